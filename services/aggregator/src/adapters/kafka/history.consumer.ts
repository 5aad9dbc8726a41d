import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { parseReadingEvents } from '@geopulse/kafka';
import { metric } from '@geopulse/observability';
import { BatchEventPattern, type ConsumedBatch } from '@geopulse/service-runtime';
import type { HistoryStore } from '../../application/history';
import { HISTORY_STORE } from '../../application/tokens';
import { AGGREGATOR_GROUP_ID } from './readings.consumer';

/** The archive's own consumer group on the telemetry topic (and its readiness check's name). */
export const HISTORY_CONSUMER = 'history-consumer';
export const HISTORY_GROUP_ID = `${AGGREGATOR_GROUP_ID}-history`;

const archived = metric.counter('geopulse_aggregator_history_readings_total', 'Raw readings written to the history table');
const skipped = metric.counter('geopulse_aggregator_history_skipped_records_total', 'Telemetry records that are not valid readings (the live consumer dead-letters them)');

/**
 * Kafka adapter: raw history off the live path (decision 0203). A consumer group of its own
 * reads `geopulse.telemetry.v1` and writes each batch's readings to the readings table, so the
 * live consumer (state, windows) never waits for the archive, and a slow archive only lags its
 * own group. The transport commits after the write (at least once); the item key is the
 * reading's event time and id, so a redelivered reading rewrites the same item.
 */
@ApiExcludeController()
@Controller()
export class HistoryConsumer {
  constructor(@Inject(HISTORY_STORE) private readonly history: HistoryStore) {}

  @BatchEventPattern('telemetry', HISTORY_CONSUMER)
  async readings(@Payload() batch: ConsumedBatch): Promise<void> {
    const { readings, deadLetters } = parseReadingEvents(batch.events, (reading) => reading);
    // Dead-lettering them here too would list every poison record twice.
    skipped.inc(deadLetters.length);
    await this.history.saveReadings(readings);
    archived.inc(readings.length);
  }
}
