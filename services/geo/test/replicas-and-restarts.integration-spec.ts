import { waitFor, type ServiceProcess } from '@geopulse/testing';
import { GeoWorld, type Operator } from './support/geo-harness';

const world = new GeoWorld();
let a: ServiceProcess;
let b: ServiceProcess;

const LON0 = 5.5;
const LAT0 = 51.4;
const at = (x: number, y: number): [number, number] => [LON0 + x / 1000, LAT0 + y / 1000];
const square = (x0: number, y0: number, x1: number, y1: number) => [[at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)]];

beforeAll(async () => {
  [a, b] = await Promise.all([world.startGeo(), world.startGeo()]);
});

afterAll(async () => {
  await world.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

async function containing(op: Operator, geo: ServiceProcess, [lon, lat]: [number, number]): Promise<string[]> {
  return (await op.call<{ items: Array<{ id: string }> }>(geo.baseUrl, 'GET', `/v1/geofences/containing?lat=${lat}&lon=${lon}`)).body.items.map((f) => f.id);
}

/** Polls every 10 ms; returns how long it took. */
async function timeUntil(probe: () => Promise<boolean>, description: string): Promise<number> {
  const started = Date.now();
  await waitFor(async () => (await probe()) || undefined, { timeoutMs: 5000, intervalMs: 10, description });
  return Date.now() - started;
}

describe('two replicas', () => {
  it('apply a fence created, changed and deleted on the other replica within a second, without a restart', async () => {
    const op = await world.tenant();
    const here = at(1, 1);
    const there = at(11, 1);
    expect((await op.call(a.baseUrl, 'POST', '/v1/geofences', { id: 'moving', name: 'Moving', geometry: { type: 'Polygon', coordinates: square(0, 0, 2, 2) } })).status).toBe(201);
    const created = await timeUntil(async () => (await containing(op, b, here)).includes('moving'), 'replica b has the new fence');
    expect((await op.call(b.baseUrl, 'PUT', '/v1/geofences/moving', { name: 'Moving', geometry: { type: 'Polygon', coordinates: square(10, 0, 12, 2) } })).status).toBe(200);
    const changed = await timeUntil(async () => (await containing(op, a, there)).includes('moving') && !(await containing(op, a, here)).includes('moving'), 'replica a has the moved fence');
    // Both replicas evaluate readings against the moved fence (the device's partition decides which one).
    const deviceIds = ['m-1', 'm-2', 'm-3', 'm-4', 'm-5', 'm-6'];
    await world.send(deviceIds.map((d) => op.reading(d, Date.now(), ...there)));
    await waitFor(async () => (await world.transitions(op.tenant)).filter((e) => e.transition === 'ENTER').length === deviceIds.length || undefined, {
      timeoutMs: 20_000,
      description: 'every device entered the moved fence',
    });
    expect((await op.call(a.baseUrl, 'DELETE', '/v1/geofences/moving')).status).toBe(204);
    const deleted = await timeUntil(async () => (await containing(op, b, there)).length === 0, 'replica b dropped the fence');
    expect({ created, changed, deleted }).toEqual({ created: expect.any(Number), changed: expect.any(Number), deleted: expect.any(Number) });
    for (const ms of [created, changed, deleted]) expect(ms).toBeLessThan(1000);
    // The deletion closes every visit exactly once, whichever replica owns the device.
    await waitFor(async () => (await world.transitions(op.tenant)).filter((e) => e.transition === 'EXIT').length === deviceIds.length || undefined, {
      timeoutMs: 20_000,
      description: 'every device exited the deleted fence',
    });
    const exits = (await world.transitions(op.tenant)).filter((e) => e.transition === 'EXIT');
    expect(exits.map((e) => e.deviceId).sort()).toEqual(deviceIds);
    expect(new Set(exits.map((e) => e.reason))).toEqual(new Set(['fence-deleted']));
  });
});

describe('SIGKILL mid-track', () => {
  it('still gives exactly one ENTER, DWELL and EXIT per visit after the replica is killed and restarted', async () => {
    await b.stop();
    const op = await world.tenant();
    expect((await op.call(a.baseUrl, 'POST', '/v1/geofences', { id: 'yard', name: 'Yard', dwellSeconds: 20, geometry: { type: 'Polygon', coordinates: square(20, 0, 22, 2) } })).status).toBe(201);
    const devices = Array.from({ length: 100 }, (_, i) => `k-${i}`);
    const t0 = Date.now() - 60 * 60_000;
    // Per device, 20 readings 10 s apart: outside, inside for 70 s, outside, inside for 70 s, outside.
    const insideSteps = new Set([2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17]);
    const step = (i: number) => devices.map((d, n) => op.reading(d, t0 + i * 10_000 + n, ...(insideSteps.has(i) ? at(21, 1) : at(25, 1))));
    for (let i = 0; i < 8; i++) await world.send(step(i));
    await waitFor(async () => (await world.transitions(op.tenant)).length >= 50 || undefined, { timeoutMs: 30_000, description: 'first transitions' });
    const rest = (async () => {
      for (let i = 8; i < 20; i++) await world.send(step(i));
    })();
    await a.kill();
    await rest;
    await a.start();
    const expected = devices.length * 6;
    const events = await waitFor(
      async () => {
        const all = await world.transitions(op.tenant);
        return new Set(all.map((e) => e.id)).size >= expected ? all : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: `${expected} distinct transitions` },
    );
    // One event id per (device, visit, transition); a record re-sent after the kill carries the same id.
    const visits = new Map<string, Set<string>>();
    for (const e of events) {
      const key = `${e.deviceId}|${e.visitStartedAt}|${e.transition}`;
      visits.set(key, (visits.get(key) ?? new Set()).add(e.id));
    }
    expect(visits.size).toBe(expected);
    expect([...visits.values()].every((ids) => ids.size === 1)).toBe(true);
    for (const d of devices) {
      const mine = events.filter((e) => e.deviceId === d);
      const distinct = mine.filter((e, i) => mine.findIndex((x) => x.id === e.id) === i);
      expect(distinct.map((e) => e.transition)).toEqual(['ENTER', 'DWELL', 'EXIT', 'ENTER', 'DWELL', 'EXIT']);
    }
    process.stdout.write(`SIGKILL test: ${events.length} records for ${expected} distinct transitions\n`);
  });
});
