import { randomUUID } from 'node:crypto';
import { waitFor, type ServiceProcess } from '@geopulse/testing';
import { get, newJwtSecret, operatorFor, post, startServices } from './support/platform';

// The device registry (ingest) feeds the aggregator's tag-filtered geo queries.
const secret = newJwtSecret();
let services: Record<string, ServiceProcess>;
let token: string;

beforeAll(async () => {
  ({ token } = await operatorFor(secret));
  services = await startServices(['ingest', 'aggregator'], { GEOPULSE_JWT_SECRET: secret, LOG_LEVEL: 'warn' });
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
});
