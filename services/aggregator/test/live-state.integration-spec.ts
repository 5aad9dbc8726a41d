import type { ServiceProcess } from '@geopulse/testing';
import { waitFor } from '@geopulse/testing';
import { haversineMeters, inBox } from '../src/domain/geo-distance';
import { getJson, liveGroupDrained, newJwtSecret, newTopicPrefix, operatorFor, reading, seededRandom, shuffle, startAggregator, TelemetryFeed } from './support/harness';

const HORIZON_S = 600;
const secret = newJwtSecret();
const prefix = newTopicPrefix('live');
let aggregator: ServiceProcess;
let feed: TelemetryFeed;

interface Located {
  deviceId: string;
  distanceMeters: number;
  lat: number;
  lon: number;
  state?: { deviceId: string; ts: string };
}

beforeAll(async () => {
  aggregator = await startAggregator({ GEOPULSE_JWT_SECRET: secret, KAFKA_TOPIC_PREFIX: prefix, AGGREGATOR_SILENT_HORIZON_SECONDS: String(HORIZON_S) });
  feed = new TelemetryFeed(prefix);
});

afterAll(async () => {
  await feed?.close();
  await aggregator?.stop();
});

const url = (path: string) => `${aggregator.baseUrl}${path}`;

async function stateOf(token: string, deviceId: string) {
  return getJson<Record<string, unknown>>(url(`/v1/devices/${deviceId}/state`), token);
}

describe('latest state and geo queries', () => {
  it('ends with the state of the newest event time when a device sends its readings shuffled', async () => {
    const { tenant, token } = await operatorFor(secret);
    const base = Date.now() - 120_000;
    const readings = Array.from({ length: 60 }, (_, i) =>
      reading(tenant, 'shuffled-1', base + i * 1000, { position: { lat: 52 + i / 1000, lon: 4.9 }, metrics: { seq: i } }),
    );
    const newest = readings[readings.length - 1];
    // Every reading processed before looking (a marker device could hash to another partition, which may run ahead).
    await feed.send(shuffle(readings, seededRandom(7)), 7);
    await liveGroupDrained(prefix);
    const { body } = await stateOf(token, 'shuffled-1');
    expect(body).toMatchObject({ ts: newest.ts, readingId: newest.id, metrics: { seq: 59 }, position: { lat: 52.059, lon: 4.9 } });
    // Replaying every reading again (at-least-once redelivery) never moves it backwards.
    await feed.send(shuffle(readings, seededRandom(8)).slice(0, 30));
    await liveGroupDrained(prefix);
    expect((await stateOf(token, 'shuffled-1')).body).toMatchObject({ ts: newest.ts, readingId: newest.id });
  });

  it('answers nearby and within exactly as a haversine / bounding-box ground truth over 400 random devices, and isolates tenants', async () => {
    const { tenant, token } = await operatorFor(secret);
    const other = await operatorFor(secret);
    const random = seededRandom(42);
    const center = { lat: 52.37, lon: 4.89 };
    const now = Date.now();
    const devices = Array.from({ length: 400 }, (_, i) => ({
      deviceId: `geo-${i}`,
      lat: center.lat + (random() - 0.5) * 0.4,
      lon: center.lon + (random() - 0.5) * 0.6,
    }));
    await feed.send(devices.map((d) => reading(tenant, d.deviceId, now - 5000, { position: { lat: d.lat, lon: d.lon } })));
    await waitFor(async () => (await getJson<{ items: Located[] }>(url(`/v1/devices/within?bbox=-180,-85,180,85&limit=1000`), token)).body.items?.length === 400, {
      timeoutMs: 30_000,
      description: 'all 400 devices indexed',
    });

    for (const radius of [1500, 5000, 12_000]) {
      const truth = devices.map((d) => ({ ...d, distance: haversineMeters(center, d) }));
      // Points within a millimetre-scale band of the edge depend on geohash rounding: not asserted.
      const onEdge = new Set(truth.filter((d) => Math.abs(d.distance - radius) < 0.01).map((d) => d.deviceId));
      const expected = truth.filter((d) => d.distance <= radius).sort((a, b) => a.distance - b.distance);
      const res = await getJson<{ items: Located[] }>(url(`/v1/devices/nearby?lat=${center.lat}&lon=${center.lon}&radius=${radius}&limit=1000`), token);
      expect(res.status).toBe(200);
      const got = res.body.items.filter((i) => !onEdge.has(i.deviceId));
      expect(got.map((i) => i.deviceId)).toEqual(expected.filter((d) => !onEdge.has(d.deviceId)).map((d) => d.deviceId));
      for (const item of got) expect(item.distanceMeters).toBeCloseTo(expected.find((d) => d.deviceId === item.deviceId)!.distance, 0);
    }

    const box = { minLon: 4.8, minLat: 52.3, maxLon: 4.95, maxLat: 52.42 };
    const within = await getJson<{ items: Located[] }>(url(`/v1/devices/within?bbox=${box.minLon},${box.minLat},${box.maxLon},${box.maxLat}&limit=1000`), token);
    expect(within.body.items.map((i) => i.deviceId).sort()).toEqual(devices.filter((d) => inBox(box, d)).map((d) => d.deviceId).sort());

    const withState = await getJson<{ items: Located[] }>(url(`/v1/devices/nearby?lat=${center.lat}&lon=${center.lon}&radius=3000&limit=5&includeState=true`), token);
    expect(withState.body.items).toHaveLength(5);
    for (const item of withState.body.items) expect(item.state).toMatchObject({ deviceId: item.deviceId, ts: new Date(now - 5000).toISOString() });

    // Another tenant sees none of it, whatever the query.
    expect((await getJson<{ items: Located[] }>(url(`/v1/devices/nearby?lat=${center.lat}&lon=${center.lon}&radius=100000`), other.token)).body.items).toEqual([]);
    expect((await getJson<{ items: Located[] }>(url(`/v1/devices/within?bbox=-180,-85,180,85`), other.token)).body.items).toEqual([]);
    expect((await stateOf(other.token, 'geo-1')).status).toBe(404);
  });

  it('drops devices silent past the horizon from the geo index and expires their state, without touching live ones', async () => {
    const { tenant, token } = await operatorFor(secret);
    const now = Date.now();
    const position = { lat: 10, lon: 10 };
    await feed.send([
      // Last seen 4 s before the horizon passes.
      reading(tenant, 'fading', now - HORIZON_S * 1000 + 4000, { position }),
      reading(tenant, 'live', now - 1000, { position }),
      // Already older than the horizon: neither indexed nor stored.
      reading(tenant, 'ancient', now - HORIZON_S * 1000 - 60_000, { position }),
    ]);
    const nearby = async () => (await getJson<{ items: Located[] }>(url(`/v1/devices/nearby?lat=10&lon=10&radius=100`), token)).body.items.map((i) => i.deviceId).sort();
    await waitFor(async () => (await nearby()).length === 2, { timeoutMs: 20_000, description: 'fading and live devices indexed' });
    expect(await nearby()).toEqual(['fading', 'live']);
    expect((await stateOf(token, 'ancient')).status).toBe(404);
    await waitFor(async () => (await nearby()).length === 1, { timeoutMs: 15_000, description: 'fading device leaving the index' });
    expect(await nearby()).toEqual(['live']);
    expect((await stateOf(token, 'fading')).status).toBe(404);
    expect((await stateOf(token, 'live')).status).toBe(200);
  });

  it('rejects bad queries with the offending parameter', async () => {
    const { token } = await operatorFor(secret);
    const res = await getJson<{ code: string; errors: Array<{ path: string }> }>(url('/v1/devices/within?bbox=5,52,4,53'), token);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e) => e.path)).toEqual(['bbox']);
  });
});
