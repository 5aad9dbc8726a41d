import { AggregatorError } from '../domain/aggregator-error';
import type { TelemetryAggregate, TelemetryReading } from '@geopulse/contracts';
import type { HistoryQuery } from '../domain/history-query';

export interface HistoryPage<T> {
  items: T[];
  /** Present when more items may follow; pass it back as `cursor`. */
  nextCursor?: string;
}

/** The cursor does not belong to this device's query. */
export function invalidCursor(message: string): AggregatorError {
  return new AggregatorError('INVALID_CURSOR', message, [{ path: 'cursor', message }]);
}

/** Port: raw readings and window aggregates of a device over time (DynamoDB, with a TTL). */
export interface HistoryStore {
  saveReadings(readings: readonly TelemetryReading[]): Promise<void>;
  readings(tenantId: string, deviceId: string, query: HistoryQuery): Promise<HistoryPage<TelemetryReading>>;
  aggregates(tenantId: string, deviceId: string, query: HistoryQuery): Promise<HistoryPage<TelemetryAggregate>>;
}
