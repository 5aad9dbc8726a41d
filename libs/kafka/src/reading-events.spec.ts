import type { ConsumedEvent } from './batch-consumer';
import { parseReadingEvents } from './reading-events';

const record = (type: string, data: unknown): ConsumedEvent =>
  ({ topic: 't', partition: 0, offset: '1', key: 'k', event: { specversion: '1.0', id: 'e', source: 's', type, time: '2026-11-22T10:00:00.000Z', datacontenttype: 'application/json', data } }) as unknown as ConsumedEvent;

describe('parseReadingEvents', () => {
  it('keeps readings, and dead-letters other types and invalid readings with the reason', () => {
    const good = { tenantId: 'acme', receivedAt: '2026-11-22T10:00:00.000Z', deviceId: 'd1', id: 'r1', ts: '2026-11-22T10:00:00.000Z', metrics: { t: 1 } };
    const { readings, deadLetters } = parseReadingEvents(
      [record('io.geopulse.telemetry.reading.v1', good), record('other.type', {}), record('io.geopulse.telemetry.reading.v1', { tenantId: 'acme' })],
      (reading) => reading.deviceId,
    );
    expect(readings).toEqual(['d1']);
    expect(deadLetters.map((d) => d.reason)).toEqual(['unexpected-type', 'invalid-reading']);
  });
});
