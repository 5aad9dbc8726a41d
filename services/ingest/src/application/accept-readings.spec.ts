import type { TelemetryReading } from '@geopulse/contracts';
import { IngestError } from '../domain/ingest-error';
import { AcceptReadings, type ReadingPublisher } from './accept-readings';

const now = Date.parse('2026-11-22T10:00:00.000Z');

function setup(fail = false) {
  const published: TelemetryReading[][] = [];
  const publisher: ReadingPublisher = {
    async publish(readings) {
      if (fail) throw new Error('broker down');
      published.push([...readings]);
    },
  };
  const sut = new AcceptReadings(publisher, { maxBatch: 10, maxFutureSkewMs: 60_000, maxAgeMs: 3600_000 }, () => now);
  return { sut, published };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('AcceptReadings', () => {
  it('publishes valid readings with tenant and receivedAt, returning their ids in order', async () => {
    const { sut, published } = setup();
    const body = json({ readings: [{ deviceId: 'd1', id: 'a', ts: now - 1000, metrics: { t: 1 } }, { deviceId: 'd1', id: 'b', ts: now, metrics: { t: 2 } }] });
    await expect(sut.execute({ tenantId: 'acme', contentType: 'application/json', body })).resolves.toEqual({ accepted: 2, ids: ['a', 'b'] });
    expect(published[0].map((r) => [r.tenantId, r.id, r.receivedAt])).toEqual([
      ['acme', 'a', '2026-11-22T10:00:00.000Z'],
      ['acme', 'b', '2026-11-22T10:00:00.000Z'],
    ]);
  });

  it('publishes nothing when any reading is invalid and lists every issue', async () => {
    const { sut, published } = setup();
    const body = json({ readings: [{ deviceId: 'd1', ts: now, metrics: { t: 1 } }, { deviceId: 'd1', position: { lat: 91, lon: 0 } }] });
    const err = await sut.execute({ tenantId: 'acme', contentType: 'application/json', body }).catch((e: IngestError) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).code).toBe('INVALID_READING');
    expect((err as IngestError).issues.map((i) => `${i.index}${i.path}`)).toEqual(['1/ts', '1/position/lat']);
    expect(published).toHaveLength(0);
  });

  it('reports KAFKA_UNAVAILABLE when the publisher fails', async () => {
    const { sut } = setup(true);
    const body = json({ deviceId: 'd1', ts: now, metrics: { t: 1 } });
    await expect(sut.execute({ tenantId: 'acme', contentType: 'application/json', body })).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
  });
});
