import type { TelemetryReading } from '@geopulse/contracts';
import { IngestError } from '../domain/ingest-error';
import { AcceptReadings, type ReadingPublisher } from './accept-readings';
import type { RateLimiter, ReadingDedup } from './ports';

const now = Date.parse('2026-11-22T10:00:00.000Z');

function setup(options: { fail?: boolean; limited?: boolean; tooLarge?: string } = {}) {
  const published: TelemetryReading[][] = [];
  const written = new Set<string>();
  const publisher: ReadingPublisher = {
    async publish(readings) {
      if (options.fail) throw new Error('broker down');
      const index = readings.findIndex((r) => r.id === options.tooLarge);
      if (index >= 0) throw new IngestError('READING_TOO_LARGE', 'too large', [{ index, path: '', message: 'too large' }]);
      published.push([...readings]);
    },
  };
  const dedup: ReadingDedup = {
    seen: async (tenant, ids) => new Set(ids.filter((id) => written.has(`${tenant}/${id}`))),
    mark: async (tenant, ids) => ids.forEach((id) => written.add(`${tenant}/${id}`)),
  };
  const rateLimiter: RateLimiter = {
    take: async (_tenant, costs) => (options.limited ? { allowed: false, retryAfterSeconds: 3, deviceId: [...costs.keys()][0] } : { allowed: true }),
  };
  const sut = new AcceptReadings(publisher, { maxBatch: 10, maxFutureSkewMs: 60_000, maxAgeMs: 3600_000 }, () => now, { dedup, rateLimiter });
  return { sut, published };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: IngestError) => e);

describe('AcceptReadings', () => {
  it('publishes valid readings with tenant and receivedAt, returning their ids in order', async () => {
    const { sut, published } = setup();
    const body = json({ readings: [{ deviceId: 'd1', id: 'a', ts: now - 1000, metrics: { t: 1 } }, { deviceId: 'd1', id: 'b', ts: now, metrics: { t: 2 } }] });
    await expect(sut.execute({ tenantId: 'acme', contentType: 'application/json', body })).resolves.toEqual({ accepted: 2, ids: ['a', 'b'], duplicates: 0 });
    expect(published[0].map((r) => [r.tenantId, r.id, r.receivedAt])).toEqual([
      ['acme', 'a', '2026-11-22T10:00:00.000Z'],
      ['acme', 'b', '2026-11-22T10:00:00.000Z'],
    ]);
  });

  it('publishes nothing when any reading is invalid and lists every issue', async () => {
    const { sut, published } = setup();
    const body = json({ readings: [{ deviceId: 'd1', ts: now, metrics: { t: 1 } }, { deviceId: 'd1', position: { lat: 91, lon: 0 } }] });
    const err = await errorOf(sut.execute({ tenantId: 'acme', contentType: 'application/json', body }));
    expect(err).toBeInstanceOf(IngestError);
    expect(err!.code).toBe('INVALID_READING');
    expect(err!.issues.map((i) => `${i.index}${i.path}`)).toEqual(['1/ts', '1/position/lat']);
    expect(published).toHaveLength(0);
  });

  it('reports KAFKA_UNAVAILABLE when the publisher fails', async () => {
    const { sut } = setup({ fail: true });
    const body = json({ deviceId: 'd1', ts: now, metrics: { t: 1 } });
    await expect(sut.execute({ tenantId: 'acme', contentType: 'application/json', body })).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
  });

  it('lets a device key write only its own device, filling in an omitted deviceId', async () => {
    const { sut, published } = setup();
    const own = json({ readings: [{ ts: now, metrics: { t: 1 } }, { deviceId: 'd1', ts: now, metrics: { t: 2 } }] });
    await sut.execute({ tenantId: 'acme', contentType: 'application/json', body: own, deviceId: 'd1' });
    expect(published[0].map((r) => r.deviceId)).toEqual(['d1', 'd1']);
    const other = json({ readings: [{ ts: now, metrics: { t: 1 } }, { deviceId: 'd2', ts: now, metrics: { t: 2 } }] });
    const err = await errorOf(sut.execute({ tenantId: 'acme', contentType: 'application/json', body: other, deviceId: 'd1' }));
    expect(err).toMatchObject({ code: 'DEVICE_MISMATCH', issues: [{ index: 1, path: '/deviceId' }] });
    expect(published).toHaveLength(1);
  });

  it('writes a repeated id once and still answers it as accepted', async () => {
    const { sut, published } = setup();
    const body = json({ readings: [{ deviceId: 'd1', id: 'a', ts: now, metrics: { t: 1 } }, { deviceId: 'd1', id: 'a', ts: now, metrics: { t: 1 } }] });
    await expect(sut.execute({ tenantId: 'acme', contentType: 'application/json', body })).resolves.toMatchObject({ accepted: 2, duplicates: 1 });
    await expect(sut.execute({ tenantId: 'acme', contentType: 'application/json', body })).resolves.toMatchObject({ accepted: 2, duplicates: 2 });
    expect(published.flat().map((r) => r.id)).toEqual(['a']);
    // Ids are per tenant.
    await sut.execute({ tenantId: 'other', contentType: 'application/json', body });
    expect(published.flat().map((r) => r.id)).toEqual(['a', 'a']);
  });

  it('refuses the whole request with a retry time when a device is over its rate', async () => {
    const { sut, published } = setup({ limited: true });
    const err = await errorOf(sut.execute({ tenantId: 'acme', contentType: 'application/json', body: json({ deviceId: 'd1', ts: now, metrics: { t: 1 } }) }));
    expect(err).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 3 });
    expect(published).toHaveLength(0);
  });

  it('reports a reading too large for Kafka by its index in the request, not among the fresh ones', async () => {
    const { sut } = setup({ tooLarge: 'c' });
    await sut.execute({ tenantId: 'acme', contentType: 'application/json', body: json({ deviceId: 'd1', id: 'a', ts: now, metrics: { t: 1 } }) });
    const body = json({ readings: ['a', 'b', 'c'].map((id) => ({ deviceId: 'd1', id, ts: now, metrics: { t: 1 } })) });
    const err = await errorOf(sut.execute({ tenantId: 'acme', contentType: 'application/json', body }));
    expect([err?.code, err?.issues.map((i) => i.index)]).toEqual(['READING_TOO_LARGE', [2]]);
  });
});
