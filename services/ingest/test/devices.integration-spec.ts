import { randomUUID } from 'node:crypto';
import { waitFor } from '@geopulse/testing';
import { IngestFixture, reading } from './ingest-fixture';

// Two replicas: a change made through one is seen by the other within the key cache TTL.
// Refill 1/s: the burst test below stays exact while the first use of a key on each replica costs a
// scrypt verification (about 120 ms each here), which at a faster refill would earn back a token.
const world = new IngestFixture({ INGEST_KEY_CACHE_TTL_MS: '1000', INGEST_RATE_PER_DEVICE: '1', INGEST_RATE_BURST: '20' });

beforeAll(() => world.start(2));
afterAll(() => world.stop());

describe('device registry and device keys', () => {
  it('creates a device whose key writes its readings; lists, reads and edits it; other tenants see nothing', async () => {
    const created = await world.call('POST', '/v1/devices', { body: { deviceId: 'thermo-1', name: 'Office', tags: ['hvac'], attributes: { floor: 3 } } });
    expect(created.status).toBe(201);
    const key = created.body.key as { key: string; keyId: string };
    expect(key.key).toMatch(/^gpk_[0-9a-f]{16}_/);
    expect(created.body.device).toMatchObject({ deviceId: 'thermo-1', name: 'Office', tags: ['hvac'], attributes: { floor: 3 }, enabled: true, keys: [{ keyId: key.keyId }] });
    expect(JSON.stringify((await world.call('GET', '/v1/devices/thermo-1')).body)).not.toContain(key.key.split('_')[2]);

    const sent = await world.send(reading(), key.key);
    expect(sent.status).toBe(202);
    const records = await world.records('telemetry', 1);
    const record = records.find((r) => r.headers.ce_id === (sent.body.ids as string[])[0])!;
    expect(record.key).toBe(`${world.tenant}:thermo-1`);

    expect((await world.call('POST', '/v1/devices', { body: { deviceId: 'thermo-1' } })).status).toBe(409);
    const patched = await world.call('PATCH', '/v1/devices/thermo-1', { body: { name: 'Lobby', tags: ['hvac', 'lobby'] } });
    expect(patched.body).toMatchObject({ name: 'Lobby', tags: ['hvac', 'lobby'], attributes: { floor: 3 } });
    const invalid = await world.call('PATCH', '/v1/devices/thermo-1', { body: { enabled: 'no', attributes: { 'bad name': 1 } } });
    expect(invalid.status).toBe(400);
    expect((invalid.body.errors as Array<{ path: string }>).map((e) => e.path).sort()).toEqual(['/attributes/bad name', '/enabled']);

    for (let i = 0; i < 3; i++) await world.device(`page-${i}`);
    const first = await world.call('GET', '/v1/devices?limit=2');
    const second = await world.call('GET', `/v1/devices?limit=2&cursor=${first.body.nextCursor as string}`);
    const third = second.body.nextCursor ? await world.call('GET', `/v1/devices?limit=2&cursor=${second.body.nextCursor as string}`) : { body: { items: [] } };
    const ids = [first, second, third].flatMap((p) => (p.body.items as Array<{ deviceId: string }>).map((d) => d.deviceId));
    expect(ids).toEqual(['page-0', 'page-1', 'page-2', 'thermo-1']);

    const stranger = await world.operatorToken(`t-${randomUUID().slice(0, 8)}`);
    expect((await world.call('GET', '/v1/devices/thermo-1', { token: stranger })).status).toBe(404);
    expect((await world.call('GET', '/v1/devices', { token: stranger })).body.items).toEqual([]);
    expect((await world.call('GET', '/v1/devices', { token: '' })).status).toBe(401);
    expect((await world.call('GET', '/v1/devices', { token: key.key })).status).toBe(401);
  });

  it('rotates: both keys work during the grace period, the old one fails after it', async () => {
    const device = await world.device();
    const rotated = await world.call('POST', `/v1/devices/${device.deviceId}/keys`, { body: { graceSeconds: 4 } });
    expect(rotated.status).toBe(201);
    const fresh = rotated.body.key as string;
    const validUntil = Date.parse(rotated.body.previousKeysValidUntil as string);
    // Through both replicas (one of them never saw the rotation request).
    for (const replica of [0, 1]) {
      expect((await world.send(reading(), device.key, replica)).status).toBe(202);
      expect((await world.send(reading(), fresh, replica)).status).toBe(202);
    }
    await waitFor(async () => (Date.now() > validUntil ? true : undefined), { timeoutMs: 10_000, description: 'grace period over' });
    for (const replica of [0, 1]) {
      const old = await world.send(reading(), device.key, replica);
      expect({ status: old.status, code: old.body.code }).toEqual({ status: 401, code: 'EXPIRED_DEVICE_KEY' });
      expect((await world.send(reading(), fresh, replica)).status).toBe(202);
    }
  });

  it('revokes a key: every replica refuses it within seconds', async () => {
    const device = await world.device();
    const other = await world.call('POST', `/v1/devices/${device.deviceId}/keys`, { body: { graceSeconds: 3600 } });
    for (const replica of [0, 1]) expect((await world.send(reading(), device.key, replica)).status).toBe(202); // cached on both
    expect((await world.call('DELETE', `/v1/devices/${device.deviceId}/keys/${device.keyId}`)).status).toBe(204);
    const revokedAt = Date.now();
    for (const replica of [0, 1]) {
      const refused = await waitFor(
        async () => {
          const res = await world.send(reading(), device.key, replica);
          return res.status === 401 ? res : undefined;
        },
        { timeoutMs: 5000, intervalMs: 200, description: `replica ${replica} refusing the revoked key` },
      );
      expect(refused.body.code).toBe('REVOKED_DEVICE_KEY');
    }
    expect(Date.now() - revokedAt).toBeLessThan(5000);
    expect((await world.send(reading(), other.body.key as string)).status).toBe(202);
    expect((await world.call('DELETE', `/v1/devices/${device.deviceId}/keys/${device.keyId}`)).status).toBe(404);
  });

  it("refuses device A's key writing device B (403 DEVICE_MISMATCH) and writes nothing", async () => {
    const a = await world.device();
    const b = await world.device();
    const res = await world.send({ readings: [reading({ deviceId: a.deviceId, id: `${a.deviceId}-ok` }), reading({ deviceId: b.deviceId, id: `${a.deviceId}-as-b` })] }, a.key);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'DEVICE_MISMATCH', errors: [{ index: 1, path: '/deviceId' }] });
    // A marker after it: once the marker is in the topic, nothing of the refused request is.
    const marker = await world.send(reading(), a.key);
    const records = await waitFor(async () => {
      const all = await world.records('telemetry');
      return all.some((r) => r.headers.ce_id === (marker.body.ids as string[])[0]) ? all : undefined;
    }, { timeoutMs: 20_000, description: 'marker in the topic' });
    expect(records.filter((r) => r.headers.ce_id?.startsWith(`${a.deviceId}-`))).toEqual([]);
    expect(records.some((r) => r.key === `${world.tenant}:${b.deviceId}`)).toBe(false);
  });

  it('refuses a disabled device (403) until enabled again, and a deleted one (403)', async () => {
    const device = await world.device();
    await world.call('PATCH', `/v1/devices/${device.deviceId}`, { body: { enabled: false } });
    for (const replica of [0, 1]) {
      const res = await waitFor(async () => {
        const r = await world.send(reading(), device.key, replica);
        return r.status === 403 ? r : undefined;
      }, { timeoutMs: 5000, description: 'disabled device refused' });
      expect(res.body.code).toBe('DEVICE_DISABLED');
    }
    await world.call('PATCH', `/v1/devices/${device.deviceId}`, { body: { enabled: true } });
    expect((await world.send(reading(), device.key)).status).toBe(202);
    expect((await world.call('DELETE', `/v1/devices/${device.deviceId}`)).status).toBe(204);
    const gone = await world.send(reading(), device.key);
    expect({ status: gone.status, code: gone.body.code }).toEqual({ status: 403, code: 'DEVICE_DELETED' });
    expect((await world.call('GET', `/v1/devices/${device.deviceId}`)).status).toBe(404);
  });

  it('answers a device over its rate 429 with Retry-After while another device is unaffected', async () => {
    const busy = await world.device();
    const calm = await world.device();
    // Burst 20, refill 1/s, shared by both replicas: 20 readings pass; a batch of 8 right after
    // does not (it would need 8 s of refill: a loaded machine's slow requests cannot earn them).
    const batch = (n: number) => ({ readings: Array.from({ length: n }, () => reading()) });
    expect((await world.send(batch(12), busy.key, 0)).status).toBe(202);
    expect((await world.send(batch(8), busy.key, 1)).status).toBe(202);
    const limited = await world.send(batch(8), busy.key, 0);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await world.send(batch(8), busy.key, 1)).status).toBe(429);
    expect((await world.send(reading(), calm.key, 0)).status).toBe(202);
    expect((await world.send(reading(), calm.key, 1)).status).toBe(202);
    // After Retry-After the device may send again.
    await new Promise((resolve) => setTimeout(resolve, Number(limited.headers.get('retry-after')) * 1000));
    expect((await world.send(reading(), busy.key, 0)).status).toBe(202);
  });
});
