import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { KafkaSettings } from '@geopulse/config';
import { BatchConsumer, EventProducer, parseReadingEvents, type Kafka } from '@geopulse/kafka';
import { metric, type JsonLogger } from '@geopulse/observability';
import { KAFKA, KAFKA_SETTINGS, LOGGER } from '@geopulse/service-runtime';
import type { HistoryStore } from '../../application/history';
import { HISTORY_STORE } from '../../application/tokens';
import { LIVE_GROUP } from './readings.consumer';

/** The archive's own consumer group on the telemetry topic. */
export const HISTORY_GROUP = `${LIVE_GROUP}-history`;

const archived = metric.counter('geopulse_aggregator_history_readings_total', 'Raw readings written to the history table');
const skipped = metric.counter('geopulse_aggregator_history_skipped_records_total', 'Telemetry records that are not valid readings (the live consumer dead-letters them)');

/**
 * Kafka adapter: raw history off the live path (decision 0203). A consumer group of its own
 * reads `geopulse.telemetry.v1` and writes each batch's readings to the readings table, so the
 * live consumer (state, windows) never waits for DynamoDB, and a slow archive only lags its own
 * group. Offsets are committed after the write (at least once); the item key is the reading's
 * event time and id, so a redelivered reading rewrites the same item.
 */
@Injectable()
export class HistoryConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: BatchConsumer;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(KAFKA_SETTINGS) settings: KafkaSettings,
    producer: EventProducer,
    @Inject(LOGGER) logger: JsonLogger,
    @Inject(HISTORY_STORE) history: HistoryStore,
  ) {
    this.consumer = new BatchConsumer(kafka, settings, producer, logger.child('history-consumer'), {
      groupId: HISTORY_GROUP,
      topics: ['telemetry'],
      handler: async (events) => {
        const { readings, deadLetters } = parseReadingEvents(events, (reading) => reading);
        // Dead-lettering them here too would list every poison record twice.
        skipped.inc(deadLetters.length);
        await history.saveReadings(readings);
        archived.inc(readings.length);
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
