import { Controller, Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { topicName, type TelemetryReading } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { parseReadingEvents, type ConsumedEvent, type DeadLetter } from '@geopulse/kafka';
import { injectTraceHeaders, metric, type JsonLogger } from '@geopulse/observability';
import { BatchEventPattern, KAFKA_SETTINGS, KafkaConsumers, LOGGER, OwnedPartitionsTicker, type ConsumedBatch } from '@geopulse/service-runtime';
import { AggregateWindows } from '../../application/aggregate-windows';
import { ApplyReadings } from '../../application/apply-readings';
import type { PartitionReading, TooLateReason } from '../../domain/window-batch';
import { AGGREGATOR_SETTINGS } from '../../application/tokens';
import type { AggregatorSettings } from '../../config';

/** The live consumer group (and its readiness check's name); raw history has its own (HistoryConsumer). */
export const TELEMETRY_CONSUMER = 'telemetry-consumer';
export const AGGREGATOR_GROUP_ID = 'geopulse-aggregator';

const applied = metric.counter('geopulse_aggregator_readings_applied_total', 'Readings that moved a device state forward');
const stale = metric.counter('geopulse_aggregator_stale_readings_total', 'Readings older than the stored state (ignored for state)');
const beyondHorizon = metric.counter('geopulse_aggregator_beyond_horizon_readings_total', 'Readings newer than the stored state but older than the silent-device horizon');
const windowed = metric.counter('geopulse_aggregator_window_readings_total', 'Readings folded into event-time windows');
const late = metric.counter('geopulse_aggregator_late_readings_total', "Readings for windows their device's own event time had closed", ['outcome']);
const restored = metric.counter('geopulse_aggregator_restored_windows_total', 'Emitted windows read back from DynamoDB to be revised by late readings');
const replayed = metric.counter('geopulse_aggregator_replayed_readings_total', 'Redelivered readings already in their windows (not counted again)');
const duplicates = metric.counter('geopulse_aggregator_duplicate_readings_total', 'Readings whose id a window had counted already (sent twice)');
const emits = metric.counter('geopulse_aggregator_window_emits_total', 'Window aggregates sent to the aggregates topic', ['kind']);

/** A reading with its offset and the trace context of its consumer span, for the windows. */
function withOffset(reading: TelemetryReading, record: ConsumedEvent): PartitionReading<ConsumedEvent> {
  const traceparent = injectTraceHeaders({}, record.traceContext).traceparent;
  return { reading, offset: Number(record.offset), ref: record, ...(traceparent ? { traceparent } : {}) };
}

/** Dead-letter details of the two ways a reading can be too late to revise its window (decision 0204). */
const TOO_LATE: Record<TooLateReason, string> = {
  'behind-device': "its window ended more than AGGREGATOR_ALLOWED_LATENESS_SECONDS before the device's own newest event time",
  'past-history': 'its window ended more than AGGREGATOR_HISTORY_TTL_DAYS before it was received: the archived window has expired',
};

function countEmits(emitted: { first: number; revisions: number }): void {
  emits.inc({ kind: 'first' }, emitted.first);
  emits.inc({ kind: 'revision' }, emitted.revisions);
}

/**
 * Kafka adapter: `geopulse.telemetry.v1` batches -> latest state (ApplyReadings) and windows
 * (AggregateWindows); the transport commits the offsets after both; too-late readings are
 * dead-lettered with reason `too-late`. Raw history is written by HistoryConsumer in a group of
 * its own, off this path (decision 0203).
 */
@ApiExcludeController()
@Controller()
export class ReadingsConsumer {
  constructor(
    @Inject(ApplyReadings) private readonly applyReadings: ApplyReadings,
    @Inject(AggregateWindows) private readonly windows: AggregateWindows,
  ) {}

  @BatchEventPattern('telemetry', TELEMETRY_CONSUMER)
  async readings(@Payload() batch: ConsumedBatch): Promise<{ deadLetters: DeadLetter[] }> {
    const { readings, deadLetters } = parseReadingEvents(batch.events, withOffset);
    if (readings.length === 0) return { deadLetters };
    const state = await this.applyReadings.execute(readings.map((r) => r.reading));
    const outcome = await this.windows.processBatch({ topic: batch.topic, partition: batch.partition }, readings);
    applied.inc(state.applied);
    stale.inc(state.stale);
    beyondHorizon.inc(state.beyondHorizon);
    windowed.inc(outcome.applied);
    late.inc({ outcome: 'within-lateness' }, outcome.late);
    late.inc({ outcome: 'too-late' }, outcome.tooLate.length);
    restored.inc(outcome.restored);
    replayed.inc(outcome.replayed);
    duplicates.inc(outcome.duplicates);
    countEmits(outcome.emitted);
    for (const { ref, reason } of outcome.tooLate) deadLetters.push({ record: ref, reason: 'too-late', detail: TOO_LATE[reason] });
    return { deadLetters };
  }
}

/** Closes the windows of silent devices on the telemetry partitions this replica owns, on a timer. */
@Injectable()
export class IdleDeviceTicker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly topic: string;
  private readonly ticker: OwnedPartitionsTicker;

  constructor(
    @Inject(KAFKA_SETTINGS) settings: KafkaSettings,
    @Inject(LOGGER) logger: JsonLogger,
    consumers: KafkaConsumers,
    @Inject(AggregateWindows) private readonly windows: AggregateWindows,
    @Inject(AGGREGATOR_SETTINGS) private readonly aggregatorSettings: AggregatorSettings,
  ) {
    this.topic = topicName('telemetry', settings.topicPrefix);
    this.ticker = new OwnedPartitionsTicker(consumers, TELEMETRY_CONSUMER, this.topic, logger.child('readings-consumer'), 'idle device tick');
  }

  onApplicationBootstrap(): void {
    const every = Math.max(200, Math.min(this.aggregatorSettings.deviceIdleMs / 2, 5000));
    this.ticker.start(every, async (partitions) => countEmits(await this.windows.tickIdle(partitions.map((partition) => ({ topic: this.topic, partition })))));
  }

  onModuleDestroy(): void {
    this.ticker.stop();
  }
}
