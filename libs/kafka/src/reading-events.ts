import { EVENT_TYPES, parseTelemetryReading, type TelemetryReading } from '@geopulse/contracts';
import type { ConsumedEvent, DeadLetter } from './batch-consumer';

/**
 * The one parser of `geopulse.telemetry.v1` for consumers: reading events become what
 * `select` makes of them (undefined skips one), anything else a dead letter with the reason
 * (`unexpected-type`, `invalid-reading`).
 */
export function parseReadingEvents<R>(
  events: readonly ConsumedEvent[],
  select: (reading: TelemetryReading, record: ConsumedEvent) => R | undefined,
): { readings: R[]; deadLetters: DeadLetter[] } {
  const readings: R[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const record of events) {
    if (record.event.type !== EVENT_TYPES.reading) {
      deadLetters.push({ record, reason: 'unexpected-type', detail: record.event.type });
      continue;
    }
    let reading: TelemetryReading;
    try {
      reading = parseTelemetryReading(record.event.data);
    } catch (err) {
      deadLetters.push({ record, reason: 'invalid-reading', detail: (err as Error).message });
      continue;
    }
    const selected = select(reading, record);
    if (selected !== undefined) readings.push(selected);
  }
  return { readings, deadLetters };
}
