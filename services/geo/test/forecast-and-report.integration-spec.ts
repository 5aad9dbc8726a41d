import { EVENT_TYPES } from '@geopulse/contracts';
import { waitFor, type ServiceProcess } from '@geopulse/testing';
import { EARTH_RADIUS_METERS } from '../src/domain/geo-math';
import { GeoWorld, type Operator } from './support/geo-harness';

/** Metres per degree of a great circle. */
const M_PER_DEG = (Math.PI / 180) * EARTH_RADIUS_METERS;
const box = (x0: number, y0: number, x1: number, y1: number) => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });

const world = new GeoWorld();
let geo: ServiceProcess;
const url = () => geo.baseUrl;

beforeAll(async () => {
  // A one-day lookback, so that a visit open for longer is found through the live state.
  geo = await world.startGeo({ GEO_REPORT_LOOKBACK_DAYS: '1' });
});

afterAll(async () => {
  await world.close();
  await geo?.stop();
});

async function tenantWith(fence: Record<string, unknown>): Promise<Operator> {
  const op = await world.tenant();
  expect((await op.call(url(), 'POST', '/v1/geofences', fence)).status).toBe(201);
  return op;
}

/** Waits until geo has applied a device's reading of event time `ts`. */
async function applied(op: Operator, deviceId: string, ts: number): Promise<void> {
  await waitFor(
    async () => {
      const res = await op.call<{ lastReadingAt?: string }>(url(), 'GET', `/v1/devices/${deviceId}/geofences`);
      return res.body?.lastReadingAt === new Date(ts).toISOString();
    },
    { timeoutMs: 30_000, intervalMs: 200, description: `${deviceId} applied at ${new Date(ts).toISOString()}` },
  );
}

interface ForecastBody {
  deviceId: string;
  from: { at: string };
  motion: { state: string; speedMps?: number; headingDegrees?: number; fixes: number };
  events: Array<{ type: string; geofenceId: string; etaSeconds: number; distanceMeters: number; at: string }>;
}

describe('forecast', () => {
  it('predicts ENTER and EXIT with hand-computed times and distances from readings the consumer applied, IDLE for a parked device', async () => {
    const op = await tenantWith({ id: 'zone', name: 'Zone', geometry: box(0.01, -0.01, 0.02, 0.01) });
    const t0 = Date.now() - 120_000;
    // van-1: east along the equator, 0.001° (111.195 m) every 10 s. parked: three fixes at one spot inside.
    await world.send([
      ...[0, 1, 2, 3, 4].map((i) => op.reading('van-1', t0 + i * 10_000, i * 0.001, 0)),
      ...[0, 1, 2].map((i) => op.reading('parked', t0 + i * 10_000, 0.015, 0.005)),
    ]);
    await applied(op, 'van-1', t0 + 40_000);
    await applied(op, 'parked', t0 + 20_000);

    const one = await op.call<ForecastBody>(url(), 'POST', '/v1/geofences/forecast', { deviceId: 'van-1', horizonMinutes: 3 });
    expect(one.status).toBe(200);
    expect(one.body.from.at).toBe(new Date(t0 + 40_000).toISOString());
    expect(one.body.motion).toMatchObject({ state: 'MOVING', fixes: 5, headingDegrees: 90 });
    expect(one.body.motion.speedMps).toBeCloseTo((0.004 * M_PER_DEG) / 40, 2);
    // From lon 0.004: the zone's west edge (0.010) is 667.2 m = 60 s away, its east edge (0.020) 1779.1 m = 160 s.
    expect(one.body.events.map((e) => [e.type, e.geofenceId, e.etaSeconds, e.distanceMeters])).toEqual([
      ['ENTER', 'zone', 60, Math.round(0.006 * M_PER_DEG * 10) / 10],
      ['EXIT', 'zone', 160, Math.round(0.016 * M_PER_DEG * 10) / 10],
    ]);
    expect(Math.abs(Date.parse(one.body.events[0].at) - (t0 + 100_000))).toBeLessThanOrEqual(2);

    const fleet = await op.call<{ items: ForecastBody[]; notFound: string[] }>(url(), 'POST', '/v1/geofences/forecast', { deviceIds: ['van-1', 'parked', 'ghost'], horizonMinutes: 2 });
    expect(fleet.status).toBe(200);
    expect(fleet.body.notFound).toEqual(['ghost']);
    expect(fleet.body.items.map((i) => [i.deviceId, i.motion.state, i.events.map((e) => `${e.type}:${e.geofenceId}:${e.etaSeconds}`)])).toEqual([
      ['van-1', 'MOVING', ['ENTER:zone:60']],
      ['parked', 'STATIONARY', ['IDLE:zone:0']],
    ]);
  });

  it('publishes one geofence.forecast per approach to a fence with forecastMinutes, with the hand-computed ETA, and none for a device too far away', async () => {
    const op = await tenantWith({ id: 'gate', name: 'Gate', forecastMinutes: 2, geometry: box(0.01, -0.01, 0.02, 0.01) });
    const t0 = Date.now() - 120_000;
    // van-2 as van-1 above (ENTER in 60 s, within 2 minutes); van-3 on the same line 0.0682° away (ENTER in 620 s).
    await world.send([...[0, 1, 2, 3, 4].map((i) => op.reading('van-2', t0 + i * 10_000, i * 0.001, 0)), ...[0, 1, 2, 3, 4].map((i) => op.reading('van-3', t0 + i * 10_000, -0.0626 + i * 0.0011, 1e-4))]);
    await applied(op, 'van-2', t0 + 40_000);
    await applied(op, 'van-3', t0 + 40_000);
    // Still approaching: no second announcement. Then inside: ENTER.
    await world.send([op.reading('van-2', t0 + 50_000, 0.005, 0), op.reading('van-2', t0 + 60_000, 0.006, 0)]);
    await applied(op, 'van-2', t0 + 60_000);
    await world.send([op.reading('van-2', t0 + 100_000, 0.011, 0)]);
    const events = await waitFor(
      async () => {
        const all = await world.geofenceEvents(op.tenant);
        return all.some((e) => e.type === EVENT_TYPES.geofenceTransition && e.deviceId === 'van-2') ? all : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300, description: 'the ENTER of van-2' },
    );
    const forecasts = events.filter((e) => e.type === EVENT_TYPES.geofenceForecast);
    expect(forecasts).toHaveLength(1);
    expect(forecasts[0]).toMatchObject({
      deviceId: 'van-2',
      geofenceId: 'gate',
      geofenceName: 'Gate',
      transition: 'ENTER',
      at: new Date(t0 + 40_000).toISOString(),
      etaSeconds: 60,
      distanceMeters: Math.round(0.006 * M_PER_DEG * 10) / 10,
      headingDegrees: 90,
      position: { lat: 0, lon: 0.004 },
    });
    expect(Math.abs(Date.parse(forecasts[0].predictedAt as string) - (t0 + 100_000))).toBeLessThanOrEqual(2);
    expect(events.filter((e) => e.type === EVENT_TYPES.geofenceTransition).map((e) => `${e.deviceId}:${e.transition}`)).toEqual(['van-2:ENTER']);
  });

  it('answers precise 4xx for bad forecast requests and 404 for a device never seen', async () => {
    const op = await world.tenant();
    const bad = async (body: unknown) => {
      const res = await op.call<{ code: string; errors: Array<{ path: string }> }>(url(), 'POST', '/v1/geofences/forecast', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_QUERY');
      return res.body.errors.map((e) => e.path);
    };
    expect(await bad({ deviceId: 'van-1', horizonMinutes: 0 })).toEqual(['/horizonMinutes']);
    expect(await bad({ deviceId: 'van-1', horizonMinutes: 100_000 })).toEqual(['/horizonMinutes']);
    expect(await bad({ deviceId: 'van-1', deviceIds: ['van-2'], horizonMinutes: 5 })).toEqual(['/deviceId']);
    expect(await bad({ deviceIds: Array.from({ length: 101 }, (_, i) => `d${i}`), horizonMinutes: 5 })).toEqual(['/deviceIds']);
    expect(await bad({ deviceIds: ['ok', 'not ok'], horizonMinutes: '5', extra: true })).toEqual(['/extra', '/horizonMinutes', '/deviceIds/1']);
    expect(await bad([1, 2])).toEqual(['']);
    const missing = await op.call<{ code: string }>(url(), 'POST', '/v1/geofences/forecast', { deviceId: 'ghost', horizonMinutes: 5 });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('DEVICE_NOT_FOUND');
  });
});

describe('days in zone', () => {
  const t = (iso: string) => Date.parse(iso);
  const IN: [number, number] = [-0.1, 51.51];
  const OUT: [number, number] = [0.1, 51.51];

  it('reproduces a ULEZ case from transitions the consumer logged: clipped visits, a visit across midnight, a time zone that moves the day boundary, CSV', async () => {
    const op = await tenantWith({ id: 'ulez', name: 'ULEZ', geometry: box(-0.15, 51.48, -0.05, 51.54) });
    const at = (deviceId: string, iso: string, [lon, lat]: [number, number]) => op.reading(deviceId, t(iso), lon, lat);
    await world.send([
      // van-a: 08:00-10:00Z on 2 Nov; 23:00Z on 2 Nov to 01:30Z on 3 Nov.
      at('van-a', '2026-11-02T07:55:00Z', OUT),
      at('van-a', '2026-11-02T08:00:00Z', IN),
      at('van-a', '2026-11-02T10:00:00Z', OUT),
      at('van-a', '2026-11-02T23:00:00Z', IN),
      at('van-a', '2026-11-03T01:30:00Z', OUT),
      // van-b: 22:00Z on 1 Nov to 02:00Z on 2 Nov (open at `from`); in again from 20:00Z on 4 Nov, still inside.
      at('van-b', '2026-11-01T21:00:00Z', OUT),
      at('van-b', '2026-11-01T22:00:00Z', IN),
      at('van-b', '2026-11-02T02:00:00Z', OUT),
      at('van-b', '2026-11-04T20:00:00Z', IN),
    ]);
    await waitFor(
      async () => {
        const events = await world.transitions(op.tenant);
        return events.filter((e) => e.deviceId === 'van-a').length === 4 && events.filter((e) => e.deviceId === 'van-b').length === 3;
      },
      { timeoutMs: 30_000, intervalMs: 300, description: 'the ULEZ transitions' },
    );

    const utc = await op.call(url(), 'GET', '/v1/geofences/ulez/report?from=2026-11-02&to=2026-11-05');
    expect(utc.status).toBe(200);
    expect(utc.body).toEqual({
      geofenceId: 'ulez',
      geofenceName: 'ULEZ',
      from: '2026-11-02T00:00:00.000Z',
      to: '2026-11-05T00:00:00.000Z',
      tz: 'UTC',
      items: [
        { deviceId: 'van-a', days: ['2026-11-02', '2026-11-03'], visits: 2, secondsInside: 2 * 3600 + 2.5 * 3600 },
        { deviceId: 'van-b', days: ['2026-11-02', '2026-11-04'], visits: 2, secondsInside: 2 * 3600 + 4 * 3600 },
      ],
    });
    // New York (UTC-5): 05:00Z on 2 Nov to 05:00Z on 5 Nov; van-a's late visit is 18:00-20:30 local on 2 Nov.
    const ny = await op.call<{ items: unknown[] }>(url(), 'GET', '/v1/geofences/ulez/report?from=2026-11-02&to=2026-11-05&tz=America/New_York');
    expect(ny.body.items).toEqual([
      { deviceId: 'van-a', days: ['2026-11-02'], visits: 2, secondsInside: 4.5 * 3600 },
      { deviceId: 'van-b', days: ['2026-11-04'], visits: 1, secondsInside: 9 * 3600 },
    ]);
    // van-b's open visit began more than the one-day lookback before 6 Nov: found through its live state.
    const later = await op.call<{ items: unknown[] }>(url(), 'GET', '/v1/geofences/ulez/report?from=2026-11-06&to=2026-11-08');
    expect(later.body.items).toEqual([{ deviceId: 'van-b', days: ['2026-11-06', '2026-11-07'], visits: 1, secondsInside: 48 * 3600 }]);

    const csv = 'deviceId,daysInZone,visits,secondsInside,days\r\nvan-a,2,2,16200,2026-11-02 2026-11-03\r\nvan-b,2,2,21600,2026-11-02 2026-11-04\r\n';
    for (const [path, headers] of [
      ['/v1/geofences/ulez/report?from=2026-11-02&to=2026-11-05', { accept: 'text/csv' }],
      ['/v1/geofences/ulez/report?from=2026-11-02&to=2026-11-05&format=csv', {}],
    ] as const) {
      const res = await fetch(`${url()}${path}`, { headers: { authorization: `Bearer ${op.token}`, ...headers } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(await res.text()).toBe(csv);
    }
  });

  it('answers precise 4xx for bad dates, time zones, ranges and formats, and 404 for an unknown fence', async () => {
    const op = await tenantWith({ id: 'lez', name: 'LEZ', geometry: box(-0.15, 51.48, -0.05, 51.54) });
    const bad = async (query: string) => {
      const res = await op.call<{ code: string; errors: Array<{ path: string; message: string }> }>(url(), 'GET', `/v1/geofences/lez/report?${query}`);
      expect([res.status, res.body.code]).toEqual([400, 'INVALID_QUERY']);
      return res.body.errors.map((e) => `${e.path}: ${e.message}`);
    };
    expect(await bad('from=2026-11-02&to=2026-11-05&tz=Mars/Olympus')).toEqual(['tz: unknown time zone "Mars/Olympus": an IANA name such as Europe/London or UTC']);
    expect(await bad('from=2026-13-01&to=2026-11-05')).toEqual(['from: not a date: "2026-13-01" (YYYY-MM-DD, or an ISO 8601 time with Z or an offset)']);
    expect(await bad('from=2026-11-05&to=2026-11-02')).toEqual(['to: must be after from']);
    expect(await bad('from=2024-01-01&to=2026-01-01')).toEqual(['to: the range is at most 366 days; ask for several reports']);
    expect((await bad('from=2026-11-02&from=2026-11-03&to=2026-11-05'))[0]).toMatch(/^from: not a date/);
    expect(await bad('from=2026-11-02&to=2026-11-05&format=xml')).toEqual(['format: json or csv']);
    // No range: the last 7 local days, today included.
    const recent = await op.call<{ from: string; to: string; items: unknown[] }>(url(), 'GET', '/v1/geofences/lez/report');
    expect(recent.status).toBe(200);
    const tomorrow = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1));
    expect([recent.body.from, recent.body.to]).toEqual([new Date(tomorrow.getTime() - 7 * 86_400_000).toISOString(), tomorrow.toISOString()]);
    const missing = await op.call<{ code: string }>(url(), 'GET', '/v1/geofences/nope/report?from=2026-11-02&to=2026-11-05');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('GEOFENCE_NOT_FOUND');
  });
});
