import { checkReadings, DEFAULT_READING_LIMITS } from '@geopulse/contracts';
import { DeviceFeed, type SimulatedReading } from './device-feed';
import { CENTRAL_AMSTERDAM, contains, distanceMeters } from './geo-math';
import { MAX_SPEED } from './vehicle';

const START = Date.parse('2026-11-22T09:00:00.000Z');

/** Runs a feed for `seconds` ticks of `stepMs`, collecting every batch. */
function run(feed: DeviceFeed, seconds: number, stepMs = 1000): SimulatedReading[][] {
  const batches: SimulatedReading[][] = [];
  for (let t = stepMs; t <= seconds * 1000; t += stepMs) batches.push(feed.tick(START + t));
  return batches;
}

const feed = (seed: number, vehicles = 20, thermostats = 10) => new DeviceFeed({ vehicles, thermostats, seed, startMs: START });

describe('DeviceFeed', () => {
  it('has vehicle-1..N and thermostat-1..M, one reading each per tick, stamped with the tick time', () => {
    const batch = feed(1, 3, 2).tick(START + 1000);
    expect(batch.map((r) => r.deviceId)).toEqual(['vehicle-1', 'vehicle-2', 'vehicle-3', 'thermostat-1', 'thermostat-2']);
    expect(new Set(batch.map((r) => r.ts))).toEqual(new Set(['2026-11-22T09:00:01.000Z']));
  });

  it('is deterministic: the same seed and tick times give the same readings, another seed others', () => {
    expect(run(feed(42), 120)).toEqual(run(feed(42), 120));
    expect(run(feed(43), 5)).not.toEqual(run(feed(42), 5));
  });

  it('produces readings that ingest accepts (checkReadings)', () => {
    const batches = run(feed(5), 600);
    let n = 0;
    for (const batch of batches) {
      const result = checkReadings(batch, {
        now: Date.parse(batch[0].ts),
        limits: DEFAULT_READING_LIMITS,
        newId: () => `id-${(n += 1)}`,
      });
      if (!result.ok) throw new Error(JSON.stringify(result.issues.slice(0, 3)));
      expect(result.readings).toHaveLength(30);
    }
  });

  it('keeps every reported and true position inside the bounding box for an hour', () => {
    const sim = feed(9);
    const outside: string[] = [];
    for (const batch of run(sim, 3600)) {
      for (const r of batch) if (!contains(CENTRAL_AMSTERDAM, r.position)) outside.push(`${r.deviceId} reported at ${r.ts}`);
      for (const v of sim.vehicles) if (!contains(CENTRAL_AMSTERDAM, v)) outside.push(`${v.deviceId} at ${batch[0].ts}`);
    }
    expect(outside).toEqual([]);
  });

  it('drives at city speeds: never above 60 km/h, about 15-40 km/h on average while moving, and really moves', () => {
    const sim = feed(11);
    const starts = sim.vehicles.map((v) => ({ lat: v.lat, lon: v.lon }));
    const readings = run(sim, 1800).flat().filter((r) => r.deviceId.startsWith('vehicle-'));
    const speeds = readings.map((r) => r.position.speed!);
    const headings = readings.map((r) => r.position.heading!);
    expect(Math.min(...speeds)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...speeds)).toBeLessThanOrEqual(MAX_SPEED + 0.05);
    expect(Math.min(...headings)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...headings)).toBeLessThan(360);
    const moving = speeds.filter((speed) => speed > 1);
    const averageKmh = (moving.reduce((sum, x) => sum + x, 0) / moving.length) * 3.6;
    expect(averageKmh).toBeGreaterThan(15);
    expect(averageKmh).toBeLessThan(40);
    const travelled = sim.vehicles.map((v, i) => distanceMeters(starts[i], v));
    expect(travelled.filter((m) => m > 300).length).toBeGreaterThanOrEqual(15);
  });

  it("moves a vehicle's true position no further per second than its top speed", () => {
    const sim = feed(12, 5, 0);
    let previous = sim.vehicles.map((v) => ({ ...v }));
    let longest = 0;
    for (let t = 1; t <= 1800; t += 1) {
      sim.tick(START + t * 1000);
      sim.vehicles.forEach((v, i) => (longest = Math.max(longest, distanceMeters(previous[i], v))));
      previous = sim.vehicles.map((v) => ({ ...v }));
    }
    expect(longest).toBeGreaterThan(5);
    expect(longest).toBeLessThanOrEqual(MAX_SPEED + 0.01);
  });

  it('reports GPS accuracy, fuel within 0..100 and the engine off while parked', () => {
    const readings = run(feed(13), 3600).flat().filter((r) => r.deviceId.startsWith('vehicle-'));
    const accuracies = readings.map((r) => r.position.accuracy!);
    const fuel = readings.map((r) => r.metrics.fuel as number);
    expect(Math.min(...accuracies)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...accuracies)).toBeLessThanOrEqual(35);
    expect(Math.min(...fuel)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...fuel)).toBeLessThanOrEqual(100);
    expect(readings.filter((r) => r.metrics.engineOn === false && r.position.speed !== 0)).toEqual([]);
    expect(new Set(readings.map((r) => r.metrics.engineOn))).toEqual(new Set([true, false]));
  });

  it('keeps thermostats in place, drifting slowly around the setpoint and sometimes below 50 while occupied', () => {
    const sim = feed(21, 0, 10);
    const batches = run(sim, 4 * 3600, 5000);
    const byDevice = new Map<string, SimulatedReading[]>();
    for (const r of batches.flat()) {
      const list = byDevice.get(r.deviceId) ?? [];
      list.push(r);
      byDevice.set(r.deviceId, list);
    }
    let largestStep = 0;
    for (const readings of byDevice.values()) {
      expect(new Set(readings.map((r) => `${r.position.lat},${r.position.lon}`)).size).toBe(1);
      for (let i = 1; i < readings.length; i += 1) {
        const step = Math.abs((readings[i].metrics.temperature as number) - (readings[i - 1].metrics.temperature as number));
        largestStep = Math.max(largestStep, step);
      }
    }
    expect(largestStep).toBeLessThan(3); // 5 s apart: slow drift and sensor noise, not jumps
    const all = batches.flat();
    const temperatures = all.map((r) => r.metrics.temperature as number);
    expect(Math.min(...temperatures)).toBeGreaterThan(35);
    expect(Math.max(...temperatures)).toBeLessThan(75);
    expect(all.some((r) => (r.metrics.temperature as number) < 50 && r.metrics.occupancy === true)).toBe(true);
    expect(temperatures.filter((t) => t >= 50).length / temperatures.length).toBeGreaterThan(0.8);
    expect(new Set(all.map((r) => r.metrics.mode))).toEqual(new Set(['heat', 'eco']));
    expect(new Set(all.map((r) => r.metrics.occupancy))).toEqual(new Set([true, false]));
  });

  it('catches up a long pause in bounded time and never moves time backwards', () => {
    const sim = feed(30);
    const started = Date.now();
    sim.tick(START + 7 * 24 * 3600_000);
    expect(Date.now() - started).toBeLessThan(2000);
    const earlier = sim.tick(START + 1000);
    for (const r of earlier) expect(contains(CENTRAL_AMSTERDAM, r.position)).toBe(true);
  });
});
