import { randomBytes } from 'node:crypto';
import type { GeofenceTransitionData } from '@geopulse/contracts';
import { scrapeMetric, waitFor, type ServiceProcess } from '@geopulse/testing';
import { gaussianNoise, GeoWorld, sequence, type Operator } from './support/geo-harness';

// Fences in units of 0.001 degree (about 68 m of longitude and 111 m of latitude here).
const LON0 = 4.9;
const LAT0 = 52.3;
const at = (x: number, y: number): [number, number] => [LON0 + x / 1000, LAT0 + y / 1000];
const ring = (...points: Array<[number, number]>) => points.map(([x, y]) => at(x, y));
const square = (x0: number, y0: number, x1: number, y1: number) => ring([x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]);

const FENCES = {
  concave: { id: 'concave', name: 'U-shaped yard', dwellSeconds: 15, geometry: { type: 'Polygon', coordinates: [ring([0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0])] } },
  donut: { id: 'donut', name: 'Ring road', geometry: { type: 'Polygon', coordinates: [square(10, 0, 13, 3), square(11, 1, 12, 2)] } },
  multi: { id: 'multi', name: 'Two depots', geometry: { type: 'MultiPolygon', coordinates: [[square(20, 0, 21, 1)], [square(22, 0, 23, 1)]] } },
  circle: { id: 'circle', name: 'Gate', dwellSeconds: 30, geometry: { type: 'Circle', center: at(30.5, 0.5), radiusMeters: 100 } },
};

const world = new GeoWorld();
let geo: ServiceProcess;
const url = () => geo.baseUrl;

beforeAll(async () => {
  geo = await world.startGeo();
});

afterAll(async () => {
  await world.close();
  await geo?.stop();
});

async function withFences(...fences: Array<Record<string, unknown>>): Promise<Operator> {
  const op = await world.tenant();
  for (const fence of fences) {
    const res = await op.call(url(), 'POST', '/v1/geofences', fence);
    expect(res.status).toBe(201);
  }
  return op;
}

/** Waits until a device has `count` transitions and returns the tenant's events. */
async function until(op: Operator, deviceId: string, count: number): Promise<Array<GeofenceTransitionData & { traceparent?: string }>> {
  return waitFor(
    async () => {
      const events = await world.transitions(op.tenant);
      return events.filter((e) => e.deviceId === deviceId).length >= count ? events : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300, description: `${count} transitions of ${deviceId}` },
  );
}

describe('geofence transitions', () => {
  it('yields exactly the expected ENTER / EXIT / DWELL sequence for a concave polygon, a polygon with a hole, a MultiPolygon and a circle', async () => {
    const op = await withFences(...Object.values(FENCES));
    const t0 = Date.now() - 20 * 60_000;
    const track = (deviceId: string, y: number, xs: number[]) => xs.map((x, i) => op.reading(deviceId, t0 + i * 10_000, ...at(x, y)));
    // Through the U: left prong (3 readings, 20 s inside: DWELL after 15 s), the notch, the right prong.
    await world.send([
      ...track('u-1', 2, [-0.5, 0.5, 0.5, 0.5, 1.5, 2.5, 3.5]),
      ...track('donut-1', 1.5, [9.5, 10.5, 11.5, 12.5, 13.5]),
      ...track('multi-1', 0.5, [19.5, 20.5, 21.5, 22.5, 23.5]),
      ...track('circle-1', 0.5, [28, 30.5, 30.5, 30.5, 30.5, 33]),
    ]);
    const events = await until(op, 'circle-1', 3);
    await until(op, 'u-1', 5);
    const all = await world.transitions(op.tenant);
    expect(sequence(all, 'u-1')).toEqual(['ENTER:concave', 'DWELL:concave', 'EXIT:concave', 'ENTER:concave', 'EXIT:concave']);
    expect(sequence(all, 'donut-1')).toEqual(['ENTER:donut', 'EXIT:donut', 'ENTER:donut', 'EXIT:donut']);
    expect(sequence(all, 'multi-1')).toEqual(['ENTER:multi', 'EXIT:multi', 'ENTER:multi', 'EXIT:multi']);
    expect(sequence(all, 'circle-1')).toEqual(['ENTER:circle', 'DWELL:circle', 'EXIT:circle']);
    const circle = events.filter((e) => e.deviceId === 'circle-1');
    expect(circle.map((e) => e.at)).toEqual([t0 + 10_000, t0 + 40_000, t0 + 50_000].map((t) => new Date(t).toISOString()));
    expect(circle[0]).toMatchObject({ geofenceName: 'Gate', reason: 'position', readingId: `circle-1-${t0 + 10_000}`, position: { lon: at(30.5, 0.5)[0], lat: at(30.5, 0.5)[1] } });
    expect(new Set(all.map((e) => e.visitStartedAt)).size).toBeGreaterThan(1);
  });

  it('treats points exactly on a vertex or an edge as documented: they never change membership, and containing includes them', async () => {
    const op = await withFences(FENCES.concave);
    const t0 = Date.now() - 10 * 60_000;
    await world.send([
      op.reading('edge-1', t0, ...at(-0.5, 2)),
      op.reading('edge-1', t0 + 1000, ...at(0, 3)), // outer vertex: stays outside
      op.reading('edge-1', t0 + 2000, ...at(0, 2)), // on the west edge: stays outside
      op.reading('edge-1', t0 + 3000, ...at(0.5, 2)), // inside: ENTER
      op.reading('edge-1', t0 + 4000, ...at(1, 2)), // on the notch's edge: stays inside
      op.reading('edge-1', t0 + 5000, ...at(2, 1)), // inner (reflex) vertex: stays inside
      op.reading('edge-1', t0 + 6000, ...at(1.5, 2)), // in the notch: EXIT
    ]);
    const events = await until(op, 'edge-1', 2);
    expect(sequence(events, 'edge-1')).toEqual(['ENTER:concave', 'EXIT:concave']);
    expect(events.map((e) => e.at)).toEqual([new Date(t0 + 3000).toISOString(), new Date(t0 + 6000).toISOString()]);
    const [lon, lat] = at(2, 1);
    const containing = await op.call<{ items: Array<{ id: string }> }>(url(), 'GET', `/v1/geofences/containing?lat=${lat}&lon=${lon}`);
    expect(containing.body.items.map((f) => f.id)).toEqual(['concave']);
    const [olon, olat] = at(1.5, 2);
    expect((await op.call<{ items: unknown[] }>(url(), 'GET', `/v1/geofences/containing?lat=${olat}&lon=${olon}`)).body.items).toEqual([]);
  });

  it('does not flap for a device parked on a boundary with GPS noise inside its reported accuracy', async () => {
    const op = await withFences({ id: 'yard', name: 'Yard', geometry: { type: 'Polygon', coordinates: [square(40, 0, 42, 2)] } });
    const noise = gaussianNoise(7);
    const t0 = Date.now() - 30 * 60_000;
    // 1 m of latitude / longitude in degrees here.
    const mLat = 1 / 111_195;
    const mLon = mLat / Math.cos((LAT0 * Math.PI) / 180);
    const parked = (deviceId: string, start: number, offsetMeters: number) =>
      Array.from({ length: 150 }, (_, i) => {
        const [lon, lat] = at(42, 1);
        // sigma 3 m per axis, clipped at 3 sigma (9 m): inside the reported 10 m accuracy.
        const dx = Math.max(-9, Math.min(9, noise() * 3));
        const dy = Math.max(-9, Math.min(9, noise() * 3));
        return op.reading(deviceId, start + i * 5000, lon + (offsetMeters + dx) * mLon, lat + dy * mLat, 10);
      });
    await world.send([
      // Drives in from the middle, parks 1 m inside the east edge, then drives away.
      op.reading('parked-in', t0, ...at(41, 1), 5),
      ...parked('parked-in', t0 + 5000, -1),
      op.reading('parked-in', t0 + 800_000, ...at(43, 1), 5),
      // Arrives from outside and parks 1 m outside the east edge: never enters.
      op.reading('parked-out', t0, ...at(43, 1), 5),
      ...parked('parked-out', t0 + 5000, 1),
      op.reading('parked-out', t0 + 800_000, ...at(41, 1), 5),
    ]);
    const events = await until(op, 'parked-in', 2);
    await until(op, 'parked-out', 1);
    expect(sequence(events, 'parked-in')).toEqual(['ENTER:yard', 'EXIT:yard']);
    expect(events.filter((e) => e.deviceId === 'parked-in').map((e) => e.at)).toEqual([new Date(t0).toISOString(), new Date(t0 + 800_000).toISOString()]);
    expect(sequence(await world.transitions(op.tenant), 'parked-out')).toEqual(['ENTER:yard']);
  });

  it('ignores duplicate and out-of-order positions', async () => {
    const op = await withFences({ id: 'lot', name: 'Lot', geometry: { type: 'Polygon', coordinates: [square(50, 0, 51, 1)] } });
    const t0 = Date.now() - 10 * 60_000;
    const outside = at(52, 0.5);
    const inside = at(50.5, 0.5);
    const r1 = op.reading('late-1', t0, ...outside);
    const r2 = op.reading('late-1', t0 + 10_000, ...inside);
    const r3 = op.reading('late-1', t0 + 20_000, ...outside);
    await world.send([r1, r2, r3]);
    await until(op, 'late-1', 2);
    // Redelivered and late readings: the same ones again, one inside between ENTER and EXIT,
    // and one inside at the very time of the EXIT.
    await world.send([r2, r1, op.reading('late-1', t0 + 15_000, ...inside), { ...op.reading('late-1', t0 + 20_000, ...inside), id: 'same-time' }, r3]);
    // A marker after them on the same device's partition... a later reading outside changes nothing either.
    await world.send([op.reading('late-1', t0 + 30_000, ...outside), op.reading('marker-1', t0, ...inside)]);
    await until(op, 'marker-1', 1);
    await waitFor(async () => (await op.call<{ lastReadingAt: string }>(url(), 'GET', '/v1/devices/late-1/geofences')).body.lastReadingAt === new Date(t0 + 30_000).toISOString(), {
      timeoutMs: 10_000,
      description: 'the last reading applied',
    });
    expect(sequence(await world.transitions(op.tenant), 'late-1')).toEqual(['ENTER:lot', 'EXIT:lot']);
  });

  it('fires DWELL for a device that stops reporting while inside, at entry time + dwellSeconds', async () => {
    const op = await withFences({ id: 'quay', name: 'Quay', dwellSeconds: 3, geometry: { type: 'Circle', center: at(60, 0), radiusMeters: 50 } });
    const ts = Date.now();
    await world.send([op.reading('silent-1', ts, ...at(60, 0), 5)]);
    const events = await until(op, 'silent-1', 2);
    const mine = events.filter((e) => e.deviceId === 'silent-1');
    expect(mine.map((e) => [e.transition, e.reason])).toEqual([
      ['ENTER', 'position'],
      ['DWELL', 'dwell-timer'],
    ]);
    expect(mine[1].at).toBe(new Date(ts + 3000).toISOString());
    const visits = await op.call<{ items: Array<{ geofenceId: string; dwelled: boolean }> }>(url(), 'GET', '/v1/devices/silent-1/geofences');
    expect(visits.body.items).toEqual([expect.objectContaining({ geofenceId: 'quay', dwelled: true })]);
    // Still exactly one DWELL three completed timer scans later (a scan publishes what it fires before it counts).
    const scans = async () => (await scrapeMetric(url(), 'geopulse_geo_dwell_scans_total')).value;
    const seen = await scans();
    await waitFor(async () => (await scans()) >= seen + 3 || undefined, { timeoutMs: 10_000, intervalMs: 100, description: 'three more DWELL scans' });
    expect(sequence(await world.transitions(op.tenant), 'silent-1')).toEqual(['ENTER:quay', 'DWELL:quay']);
  });

  it('emits EXIT with reason fence-deleted when a fence is deleted while devices are inside', async () => {
    const op = await withFences({ id: 'temp', name: 'Temporary zone', geometry: { type: 'Polygon', coordinates: [square(70, 0, 71, 1)] } });
    await world.send([op.reading('inside-1', Date.now() - 1000, ...at(70.5, 0.5)), op.reading('inside-2', Date.now() - 1000, ...at(70.6, 0.5))]);
    await until(op, 'inside-1', 1);
    await until(op, 'inside-2', 1);
    expect((await op.call(url(), 'DELETE', '/v1/geofences/temp')).status).toBe(204);
    const events = await until(op, 'inside-2', 2);
    await until(op, 'inside-1', 2);
    const exits = (await world.transitions(op.tenant)).filter((e) => e.transition === 'EXIT');
    expect(exits.map((e) => [e.deviceId, e.reason]).sort()).toEqual([
      ['inside-1', 'fence-deleted'],
      ['inside-2', 'fence-deleted'],
    ]);
    expect(events.length).toBeGreaterThan(0);
    expect((await op.call<{ items: unknown[] }>(url(), 'GET', '/v1/devices/inside-1/geofences')).body.items).toEqual([]);
    expect((await op.call(url(), 'GET', '/v1/geofences/temp')).status).toBe(404);
  });

  it('re-judges devices inside a fence whose geometry changes: EXIT with reason fence-changed for those now outside, at once', async () => {
    const op = await withFences({ id: 'shrinking', name: 'Shrinking', geometry: { type: 'Polygon', coordinates: [square(90, 0, 94, 2)] } });
    await world.send([op.reading('west-1', Date.now() - 1000, ...at(91, 1)), op.reading('east-1', Date.now() - 1000, ...at(93, 1))]);
    await until(op, 'west-1', 1);
    await until(op, 'east-1', 1);
    expect((await op.call(url(), 'PUT', '/v1/geofences/shrinking', { name: 'Shrinking', geometry: { type: 'Polygon', coordinates: [square(90, 0, 92, 2)] } })).status).toBe(200);
    const events = await until(op, 'east-1', 2);
    expect(events.filter((e) => e.transition === 'EXIT').map((e) => [e.deviceId, e.reason])).toEqual([['east-1', 'fence-changed']]);
    expect((await op.call<{ items: Array<{ geofenceId: string }> }>(url(), 'GET', '/v1/devices/west-1/geofences')).body.items.map((v) => v.geofenceId)).toEqual(['shrinking']);
  });
});

describe('tracing', () => {
  it("publishes a transition inside the trace of the reading that caused it", async () => {
    const op = await withFences({ id: 'traced', name: 'Traced', geometry: { type: 'Circle', center: at(100, 0), radiusMeters: 50 } });
    const traceId = randomBytes(16).toString('hex');
    await world.sendTraced(op.reading('traced-1', Date.now() - 1000, ...at(100, 0)), `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
    const [enter] = await until(op, 'traced-1', 1);
    expect(enter.traceparent?.split('-')[1]).toBe(traceId);
  });
});

describe('geofence API', () => {
  it('rejects invalid geometry with a reason and path for each problem', async () => {
    const op = await world.tenant();
    const res = await op.call<{ code: string; errors: Array<{ path: string; message: string }> }>(url(), 'POST', '/v1/geofences', {
      name: 'bad',
      geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1]]] },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_GEOFENCE', errors: [{ path: '/geometry/coordinates/0', message: expect.stringMatching(/not closed/) }] });
    const bowTie = await op.call<{ errors: Array<{ message: string }> }>(url(), 'POST', '/v1/geofences', { name: 'x', geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] } });
    expect(bowTie.body.errors[0].message).toMatch(/intersects itself/);
    const circle = await op.call<{ errors: Array<{ path: string }> }>(url(), 'POST', '/v1/geofences', { name: 'x', geometry: { type: 'Circle', center: [200, 0], radiusMeters: -1 } });
    expect(circle.body.errors.map((e) => e.path)).toEqual(['/geometry/center/0', '/geometry/radiusMeters']);
  });

  it('refuses a polygon across the antimeridian with how to split it, and tracks the split fence and a circle across it', async () => {
    const op = await world.tenant();
    const crossing = await op.call<{ code: string; errors: Array<{ path: string; message: string }> }>(url(), 'POST', '/v1/geofences', {
      name: 'pacific',
      geometry: { type: 'Polygon', coordinates: [[[179, 10], [-179, 10], [-179, 12], [179, 12], [179, 10]]] },
    });
    expect(crossing.status).toBe(400);
    expect(crossing.body).toMatchObject({ code: 'INVALID_GEOFENCE', errors: [{ path: '/geometry/coordinates/0/1', message: expect.stringMatching(/crosses the antimeridian: split the polygon at longitude 180 into a MultiPolygon/) }] });
    const split = {
      id: 'pacific',
      name: 'pacific',
      geometry: { type: 'MultiPolygon', coordinates: [[[[179, 10], [180, 10], [180, 12], [179, 12], [179, 10]]], [[[-180, 10], [-179, 10], [-179, 12], [-180, 12], [-180, 10]]]] },
    };
    const circle = { id: 'dateline', name: 'dateline', geometry: { type: 'Circle', center: [179.99, -20], radiusMeters: 5000 } };
    for (const fence of [split, circle]) expect((await op.call(url(), 'POST', '/v1/geofences', fence)).status).toBe(201);
    const containing = (lon: number) => op.call<{ items: Array<{ id: string }> }>(url(), 'GET', `/v1/geofences/containing?lat=11&lon=${lon}`);
    expect((await containing(0)).body.items).toEqual([]);
    for (const lon of [179.5, -179.5, 180, -180]) expect((await containing(lon)).body.items.map((f) => f.id)).toEqual(['pacific']);
    const t0 = Date.now() - 10 * 60_000;
    // East to west across 180°: inside both parts, then out; the circle from its east side.
    await world.send([
      op.reading('ship', t0, 178.5, 11),
      op.reading('ship', t0 + 10_000, 179.5, 11),
      // Metres either side of the cut: inside all along, no flapping at the seam.
      op.reading('ship', t0 + 15_000, 179.99999, 11),
      op.reading('ship', t0 + 17_000, -179.99999, 11),
      op.reading('ship', t0 + 20_000, -179.5, 11),
      op.reading('ship', t0 + 30_000, -178.5, 11),
      // First seen metres from the cut: inside (the seam is no boundary, so not uncertain).
      op.reading('raft', t0, -179.99999, 11),
      op.reading('buoy', t0, -179.8, -20),
      op.reading('buoy', t0 + 10_000, -179.99, -20),
    ]);
    await until(op, 'ship', 2);
    const all = await until(op, 'buoy', 1);
    expect(sequence(all, 'ship')).toEqual(['ENTER:pacific', 'EXIT:pacific']);
    expect(sequence(all, 'buoy')).toEqual(['ENTER:dateline']);
    expect(sequence(await until(op, 'raft', 1), 'raft')).toEqual(['ENTER:pacific']);
  });

  it('creates, reads, replaces, lists, imports and deletes fences within the tenant only', async () => {
    const op = await world.tenant();
    const other = await world.tenant();
    const created = await op.call<{ id: string; version: number }>(url(), 'POST', '/v1/geofences', FENCES.circle);
    expect(created.status).toBe(201);
    expect((await op.call(url(), 'POST', '/v1/geofences', FENCES.circle)).status).toBe(409);
    const replaced = await op.call<{ version: number; dwellSeconds: number }>(url(), 'PUT', '/v1/geofences/circle', { ...FENCES.circle, dwellSeconds: 90 });
    expect(replaced.status).toBe(200);
    expect(replaced.body.version).toBeGreaterThan(created.body.version);
    const imported = await op.call<{ imported: number; ids: string[] }>(url(), 'POST', '/v1/geofences/import', {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', id: 'lez', properties: { name: 'Low-emission zone', dwellSeconds: 60 }, geometry: FENCES.donut.geometry },
        { type: 'Feature', properties: { id: 'mast', name: 'Mast', radiusMeters: 25 }, geometry: { type: 'Point', coordinates: at(80, 0) } },
      ],
    });
    expect(imported.body).toEqual({ imported: 2, ids: ['lez', 'mast'] });
    const bad = await op.call<{ errors: Array<{ index: number; path: string }> }>(url(), 'POST', '/v1/geofences/import', {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { name: 'ok' }, geometry: FENCES.multi.geometry }, { type: 'Feature', properties: { name: 'r', radiusMeters: 0 }, geometry: { type: 'Point', coordinates: [4, 52] } }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ index: 1, path: '/properties/radiusMeters' })]);
    const list = await op.call<{ items: Array<{ id: string }> }>(url(), 'GET', '/v1/geofences');
    expect(list.body.items.map((f) => f.id).sort()).toEqual(['circle', 'lez', 'mast']);
    const [lon, lat] = at(80, 0);
    expect((await op.call<{ items: Array<{ id: string }> }>(url(), 'GET', `/v1/geofences/containing?lat=${lat}&lon=${lon}`)).body.items.map((f) => f.id)).toEqual(['mast']);
    expect((await other.call<{ items: unknown[] }>(url(), 'GET', `/v1/geofences/containing?lat=${lat}&lon=${lon}`)).body.items).toEqual([]);
    expect((await other.call(url(), 'GET', '/v1/geofences/circle')).status).toBe(404);
    expect((await other.call(url(), 'DELETE', '/v1/geofences/circle')).status).toBe(404);
    expect((await op.call(url(), 'DELETE', '/v1/geofences/circle')).status).toBe(204);
    expect((await op.call(url(), 'GET', '/v1/geofences/circle')).status).toBe(404);
    expect((await op.call<{ errors: Array<{ path: string }> }>(url(), 'GET', '/v1/geofences/containing?lat=91&lon=x')).body.errors.map((e) => e.path)).toEqual(['lat', 'lon']);
    expect((await fetch(`${url()}/v1/geofences`)).status).toBe(401);
  });

  it('exposes positions evaluated, transitions by kind and reason, and index size as metrics', async () => {
    const text = await (await fetch(`${url()}/metrics`)).text();
    const value = (pattern: RegExp) => Number(text.match(pattern)?.[1] ?? NaN);
    expect(value(/^geopulse_geo_positions_evaluated_total\{[^}]*\} (\d+)/m)).toBeGreaterThan(300);
    expect(value(/^geopulse_geo_stale_positions_total\{[^}]*\} (\d+)/m)).toBeGreaterThan(0);
    expect(value(/^geopulse_geo_transitions_total\{[^}]*transition="ENTER",reason="position"[^}]*\} (\d+)/m)).toBeGreaterThan(5);
    expect(value(/^geopulse_geo_transitions_total\{[^}]*transition="EXIT",reason="fence-deleted"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(2);
    expect(value(/^geopulse_geo_index_fences\{[^}]*\} (\d+)/m)).toBeGreaterThan(5);
  });
});
