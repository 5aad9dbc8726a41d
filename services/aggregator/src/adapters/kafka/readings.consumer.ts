import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { topicName, type TelemetryReading } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { BatchConsumer, EventProducer, parseReadingEvents, type ConsumedEvent, type Kafka } from '@geopulse/kafka';
import { injectTraceHeaders, metric, type ComponentLogger, type JsonLogger } from '@geopulse/observability';
import { KAFKA, KAFKA_SETTINGS, LOGGER } from '@geopulse/service-runtime';
import { AggregateWindows } from '../../application/aggregate-windows';
import { ApplyReadings } from '../../application/apply-readings';
import type { PartitionReading } from '../../domain/window-batch';
import { AGGREGATOR_SETTINGS, HISTORY_STORE } from '../../application/tokens';
import type { HistoryStore } from '../../application/history';
import type { AggregatorSettings } from '../../config';

const applied = metric.counter('geopulse_aggregator_readings_applied_total', 'Readings that moved a device state forward');
const stale = metric.counter('geopulse_aggregator_stale_readings_total', 'Readings older than the stored state (ignored for state)');
const beyondHorizon = metric.counter('geopulse_aggregator_beyond_horizon_readings_total', 'Readings newer than the stored state but older than the silent-device horizon');
const windowed = metric.counter('geopulse_aggregator_window_readings_total', 'Readings folded into event-time windows');
const late = metric.counter('geopulse_aggregator_late_readings_total', 'Readings for windows the watermark had closed', ['outcome']);
const replayed = metric.counter('geopulse_aggregator_replayed_readings_total', 'Redelivered readings already in their windows (not counted again)');
const duplicates = metric.counter('geopulse_aggregator_duplicate_readings_total', 'Readings whose id a window had counted already (sent twice)');
const emits = metric.counter('geopulse_aggregator_window_emits_total', 'Window aggregates sent to the aggregates topic', ['kind']);

/** A reading with its offset and the trace context of its consumer span, for the windows. */
function withOffset(reading: TelemetryReading, record: ConsumedEvent): PartitionReading<ConsumedEvent> {
  const traceparent = injectTraceHeaders({}, record.traceContext).traceparent;
  return { reading, offset: Number(record.offset), ref: record, ...(traceparent ? { traceparent } : {}) };
}

/**
 * Kafka adapter: `geopulse.telemetry.v1` batches -> latest state (ApplyReadings), raw history
 * (DynamoDB) and windows (AggregateWindows); the offsets are committed after all of them; too-late readings are dead-lettered with reason `too-late`. A timer moves
 * the watermark of idle partitions this replica owns.
 */
@Injectable()
export class ReadingsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: BatchConsumer;
  private readonly log: ComponentLogger;
  private readonly topic: string;
  private idleTimer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(KAFKA_SETTINGS) settings: KafkaSettings,
    producer: EventProducer,
    @Inject(LOGGER) logger: JsonLogger,
    @Inject(ApplyReadings) private readonly applyReadings: ApplyReadings,
    @Inject(AggregateWindows) private readonly windows: AggregateWindows,
    @Inject(AGGREGATOR_SETTINGS) private readonly aggregatorSettings: AggregatorSettings,
    @Inject(HISTORY_STORE) private readonly history: HistoryStore,
  ) {
    this.log = logger.child('readings-consumer');
    this.topic = topicName('telemetry', settings.topicPrefix);
    this.consumer = new BatchConsumer(kafka, settings, producer, this.log, {
      groupId: 'geopulse-aggregator',
      topics: ['telemetry'],
      handler: async (events, batch) => {
        const { readings, deadLetters } = parseReadingEvents(events, withOffset);
        if (readings.length === 0) return { deadLetters };
        const plain = readings.map((r) => r.reading);
        const [state] = await Promise.all([this.applyReadings.execute(plain), this.history.saveReadings(plain)]);
        const outcome = await this.windows.processBatch({ topic: batch.topic, partition: batch.partition }, readings);
        applied.inc(state.applied);
        stale.inc(state.stale);
        beyondHorizon.inc(state.beyondHorizon);
        windowed.inc(outcome.applied);
        late.inc({ outcome: 'within-lateness' }, outcome.late);
        late.inc({ outcome: 'too-late' }, outcome.tooLate.length);
        replayed.inc(outcome.replayed);
        duplicates.inc(outcome.duplicates);
        this.countEmits(outcome.emitted);
        for (const record of outcome.tooLate) {
          deadLetters.push({ record, reason: 'too-late', detail: 'event time is past its window end plus the allowed lateness' });
        }
        return { deadLetters };
      },
    });
  }

  healthy(): boolean {
    return this.consumer.healthy();
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
    const every = Math.max(200, Math.min(this.aggregatorSettings.idlePartitionMs / 2, 5000));
    this.idleTimer = setInterval(() => void this.tickIdle(), every);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.idleTimer);
    await this.consumer.stop();
  }

  private async tickIdle(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const partitions = this.consumer.assignment().get(this.topic) ?? [];
      this.countEmits(await this.windows.tickIdle(partitions.map((partition) => ({ topic: this.topic, partition }))));
    } catch (err) {
      this.log.warn('idle partition tick failed; retrying on the next tick', { error: (err as Error).message });
    } finally {
      this.ticking = false;
    }
  }

  private countEmits(emitted: { first: number; revisions: number }): void {
    emits.inc({ kind: 'first' }, emitted.first);
    emits.inc({ kind: 'revision' }, emitted.revisions);
  }
}
