import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EVENT_TYPES, parseTelemetryReading, type TelemetryReading } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { BatchConsumer, EventProducer, type ConsumedEvent, type DeadLetter, type Kafka } from '@geopulse/kafka';
import { metric, type JsonLogger } from '@geopulse/observability';
import { KAFKA, KAFKA_SETTINGS, LOGGER } from '@geopulse/service-runtime';
import { ApplyReadings } from '../../application/apply-readings';

const applied = metric.counter('geopulse_aggregator_readings_applied_total', 'Readings that moved a device state forward');
const stale = metric.counter('geopulse_aggregator_stale_readings_total', 'Readings older than the stored state (ignored for state)');
const beyondHorizon = metric.counter('geopulse_aggregator_beyond_horizon_readings_total', 'Readings newer than the stored state but older than the silent-device horizon');

/** Splits a batch into readings and dead letters; one parser per topic. */
export function parseReadingEvents(events: readonly ConsumedEvent[]): { readings: TelemetryReading[]; deadLetters: DeadLetter[] } {
  const readings: TelemetryReading[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const record of events) {
    if (record.event.type !== EVENT_TYPES.reading) {
      deadLetters.push({ record, reason: 'unexpected-type', detail: record.event.type });
      continue;
    }
    try {
      readings.push(parseTelemetryReading(record.event.data));
    } catch (err) {
      deadLetters.push({ record, reason: 'invalid-reading', detail: (err as Error).message });
    }
  }
  return { readings, deadLetters };
}

/** Kafka adapter: `geopulse.telemetry.v1` batches -> ApplyReadings. */
@Injectable()
export class ReadingsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: BatchConsumer;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(KAFKA_SETTINGS) settings: KafkaSettings,
    producer: EventProducer,
    @Inject(LOGGER) logger: JsonLogger,
    @Inject(ApplyReadings) private readonly applyReadings: ApplyReadings,
  ) {
    this.consumer = new BatchConsumer(kafka, settings, producer, logger.child('readings-consumer'), {
      groupId: 'geopulse-aggregator',
      topics: ['telemetry'],
      handler: async (events) => {
        const { readings, deadLetters } = parseReadingEvents(events);
        const result = await this.applyReadings.execute(readings);
        applied.inc(result.applied);
        stale.inc(result.stale);
        beyondHorizon.inc(result.beyondHorizon);
        return { deadLetters };
      },
    });
  }

  healthy(): boolean {
    return this.consumer.healthy();
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }
}
