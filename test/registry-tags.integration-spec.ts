import { randomUUID } from 'node:crypto';
import { waitFor, type ServiceProcess } from '@geopulse/testing';
import { get, newJwtSecret, operatorFor, post, startServices } from './support/platform';

// The device registry (ingest) feeds the aggregator's tag-filtered geo queries, and its tags
// travel on every reading (docs/decisions/0107), so rules and geofences target them.
const secret = newJwtSecret();
let services: Record<string, ServiceProcess>;
let token: string;

beforeAll(async () => {
  ({ token } = await operatorFor(secret));
  services = await startServices(['ingest', 'aggregator', 'rules', 'geo'], { GEOPULSE_JWT_SECRET: secret, LOG_LEVEL: 'warn' });
  for (const service of Object.values(services)) {
    await waitFor(async () => (await fetch(`${service.baseUrl}/readyz`)).ok, { timeoutMs: 60_000, description: `${service.name} ready` });
  }
});

afterAll(async () => {
  await Promise.all(Object.values(services ?? {}).map((s) => s.stop()));
});

describe('registry tags in geo queries', () => {
  it('answers nearby and within with only the devices whose registry tags match, each writing with its own key', async () => {
    const suffix = randomUUID().slice(0, 6);
    const devices = [
      { deviceId: `van-a-${suffix}`, tags: ['fleet-a', 'site:ams'], at: { lat: 52.3702, lon: 4.8952 } },
      { deviceId: `van-b-${suffix}`, tags: ['fleet-b'], at: { lat: 52.3705, lon: 4.8955 } },
      { deviceId: `van-c-${suffix}`, tags: ['fleet-a'], at: { lat: 52.371, lon: 4.896 } },
    ];
    for (const d of devices) {
      const created = await post(`${services.ingest.baseUrl}/v1/devices`, token, JSON.stringify({ deviceId: d.deviceId, name: d.deviceId, tags: d.tags }));
      expect(created.status).toBe(201);
      const deviceKey = (created.body.key as { key: string }).key;
      const reading = await post(`${services.ingest.baseUrl}/v1/telemetry`, deviceKey, JSON.stringify({ ts: new Date().toISOString(), position: d.at }));
      expect(reading.status).toBe(202);
    }
    const near = `${services.aggregator.baseUrl}/v1/devices/nearby?lat=52.3703&lon=4.8953&radius=2000`;
    await waitFor(async () => ((await get(near, token)).body.items as unknown[]).length === 3, { timeoutMs: 15_000, description: 'all three devices in the geo index' });

    const ids = async (url: string) => ((await get(url, token)).body.items as Array<{ deviceId: string }>).map((i) => i.deviceId);
    expect(await ids(`${near}&tags=fleet-a`)).toEqual([devices[0].deviceId, devices[2].deviceId]);
    expect(await ids(`${near}&tags=fleet-a,site:ams`)).toEqual([devices[0].deviceId]);
    expect(await ids(`${near}&tags=fleet-a&limit=1`)).toEqual([devices[0].deviceId]);
    expect(await ids(`${near}&tags=nobody`)).toEqual([]);
    expect(await ids(`${services.aggregator.baseUrl}/v1/devices/within?bbox=4.89,52.36,4.90,52.38&tags=fleet-b`)).toEqual([devices[1].deviceId]);
    const bad = await get(`${near}&tags=ok,,x`, token);
    expect(bad.status).toBe(400);
  });

  it('carries the registry tags on readings: a rule and a geofence targeting a tag pick the tagged device only, and follow a tag change', async () => {
    const suffix = randomUUID().slice(0, 6);
    const yard = { lat: 51.5072, lon: -0.1276 };
    const rule = await post(`${services.rules.baseUrl}/v1/rules`, token, JSON.stringify({ id: `hot-vans-${suffix}`, name: 'Hot vans', expression: 'temperature > 30', target: { tags: ['fleet:vans'] } }));
    expect(rule.status).toBe(201);
    const fence = await post(
      `${services.geo.baseUrl}/v1/geofences`,
      token,
      JSON.stringify({ id: `yard-${suffix}`, name: 'Yard', geometry: { type: 'Circle', center: [yard.lon, yard.lat], radiusMeters: 500 }, target: { tags: { fleet: 'vans' } } }),
    );
    expect(fence.status).toBe(201);
    const keys: Record<string, string> = {};
    for (const [deviceId, tags] of [[`van-${suffix}`, ['fleet:vans', 'site:ldn']], [`cage-${suffix}`, ['fleet:cages']]] as const) {
      const created = await post(`${services.ingest.baseUrl}/v1/devices`, token, JSON.stringify({ deviceId, name: deviceId, tags }));
      expect(created.status).toBe(201);
      keys[deviceId] = (created.body.key as { key: string }).key;
    }
    const send = async (deviceId: string) => {
      const reading = await post(`${services.ingest.baseUrl}/v1/telemetry`, keys[deviceId], JSON.stringify({ ts: new Date().toISOString(), position: yard, metrics: { temperature: 35 } }));
      expect(reading.status).toBe(202);
    };
    const firing = async (deviceId: string) =>
      ((await get(`${services.rules.baseUrl}/v1/alerts?status=FIRING&ruleId=hot-vans-${suffix}&deviceId=${deviceId}`, token)).body.items as unknown[]).length > 0;
    const insideYard = async (deviceId: string) => {
      const answer = await get(`${services.geo.baseUrl}/v1/devices/${deviceId}/geofences`, token);
      return answer.status === 200 && (answer.body.items as Array<{ geofenceId: string }>).some((v) => v.geofenceId === `yard-${suffix}`);
    };
    // The rule and the fence reach their services through compacted topics; readings are sent until both took effect.
    await waitFor(
      async () => {
        await send(`van-${suffix}`);
        await send(`cage-${suffix}`);
        return (await firing(`van-${suffix}`)) && (await insideYard(`van-${suffix}`));
      },
      { timeoutMs: 30_000, intervalMs: 500, description: 'the tagged van fires the rule and enters the fence' },
    );
    // The cage sent the same readings all along and is in neither.
    expect(await firing(`cage-${suffix}`)).toBe(false);
    expect(await insideYard(`cage-${suffix}`)).toBe(false);
    const seen = await get(`${services.geo.baseUrl}/v1/devices/cage-${suffix}/geofences`, token);
    expect(seen.status).toBe(200);

    // Retag the cage as a van: within ingest's tag cache TTL its readings carry the new tags.
    const patched = await fetch(`${services.ingest.baseUrl}/v1/devices/cage-${suffix}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tags: ['fleet:vans'] }),
    });
    expect(patched.status).toBe(200);
    await waitFor(
      async () => {
        await send(`cage-${suffix}`);
        return (await firing(`cage-${suffix}`)) && (await insideYard(`cage-${suffix}`));
      },
      { timeoutMs: 30_000, intervalMs: 1000, description: 'the retagged cage fires the rule and enters the fence' },
    );
  }, 120_000);
});
