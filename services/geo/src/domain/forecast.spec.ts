import type { Geofence, GeofenceGeometry } from '@geopulse/contracts';
import { FenceShape } from './fence-shape';
import { approachAlerts, estimateMotion, forecast, type CandidateFence } from './forecast';
import { EARTH_RADIUS_METERS } from './geo-math';
import type { TrackPoint } from './membership';

/** Metres per degree of a great circle: 111 195.08 m. */
const M_PER_DEG = (Math.PI / 180) * EARTH_RADIUS_METERS;
const fence = (id: string, geometry: GeofenceGeometry): CandidateFence => ({
  fence: { id, name: id, tenantId: 't', version: 1, geometry } as Geofence,
  shape: new FenceShape(geometry),
});
const box = (x0: number, y0: number, x1: number, y1: number): GeofenceGeometry => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });
/** Fixes every 10 s from `start`, stepping (dLon, dLat) degrees each time. */
const track = (start: [number, number], step: [number, number], n = 5, t0 = 1_000_000): TrackPoint[] =>
  Array.from({ length: n }, (_, i) => ({ ts: t0 + i * 10_000, lon: start[0] + i * step[0], lat: start[1] + i * step[1] }));

describe('estimateMotion', () => {
  it('takes speed and heading from the oldest and newest fix in the window', () => {
    // 0.004° of the equator in 40 s: 444.78 m, 11.1195 m/s, due east.
    const m = estimateMotion(track([0, 0], [0.001, 0]));
    expect(m.state).toBe('MOVING');
    expect(m.fixes).toBe(5);
    expect(m.speedMps).toBeCloseTo((0.004 * M_PER_DEG) / 40, 6);
    expect(m.headingDegrees).toBeCloseTo(90, 6);
    // Due north along a meridian; due west; south-west at 45° on the equator (to within a millidegree).
    expect(estimateMotion(track([10, 0], [0, 0.001])).headingDegrees).toBeCloseTo(0, 6);
    expect(estimateMotion(track([10, 0], [-0.001, 0])).headingDegrees).toBeCloseTo(270, 6);
    expect(estimateMotion(track([10, 0.002], [-0.001, -0.001])).headingDegrees).toBeCloseTo(225, 3);
  });

  it('is STATIONARY below the idle speed, UNKNOWN with one fix or all fixes older than the window', () => {
    expect(estimateMotion(track([0, 0], [0.000001, 0])).state).toBe('STATIONARY');
    expect(estimateMotion(track([0, 0], [0, 0], 1))).toEqual({ state: 'UNKNOWN', fixes: 1 });
    const stale: TrackPoint[] = [{ ts: 0, lon: 0, lat: 0 }, { ts: 11 * 60_000, lon: 0.1, lat: 0 }];
    expect(estimateMotion(stale)).toEqual({ state: 'UNKNOWN', fixes: 1 });
  });
});

describe('forecast', () => {
  const zone = fence('zone', box(0.01, -0.01, 0.02, 0.01));

  it('predicts ENTER at the hand-computed distance and time, and EXIT only when the horizon reaches it', () => {
    // Newest fix at lon 0.004, 11.1195 m/s east: the edge at 0.010 is 0.006° = 667.17 m (60 s) away, 0.020 is 1779.12 m (160 s).
    const fixes = track([0, 0], [0.001, 0]);
    const two = forecast(fixes, [zone], 120);
    expect(two.events).toHaveLength(1);
    expect(two.events[0]).toMatchObject({ type: 'ENTER', geofenceId: 'zone' });
    expect(two.events[0].distanceMeters).toBeCloseTo(0.006 * M_PER_DEG, 1);
    expect(two.events[0].etaSeconds).toBeCloseTo(60, 2);
    expect(two.events[0].position.lon).toBeCloseTo(0.01, 6);
    const three = forecast(fixes, [zone], 180);
    expect(three.events.map((e) => [e.type, Math.round(e.etaSeconds * 100) / 100, Math.round(e.distanceMeters)])).toEqual([
      ['ENTER', 60, Math.round(0.006 * M_PER_DEG)],
      ['EXIT', 160, Math.round(0.016 * M_PER_DEG)],
    ]);
    expect(forecast(fixes, [zone], 59).events).toEqual([]);
  });

  it('follows the heading, not the speed alone: a device moving away or alongside is not predicted to enter', () => {
    expect(forecast(track([0.004, 0], [-0.001, 0]), [zone], 3600).events).toEqual([]);
    expect(forecast(track([0.004, 0.02], [0.001, 0]), [zone], 3600).events).toEqual([]);
    // North-east at 45° from (0.006, -0.02): crosses lat -0.01 at lon ≈ 0.016 (inside the zone's lon range).
    const diagonal = forecast(track([0, -0.026], [0.0015, 0.0015]), [zone], 3600).events;
    expect(diagonal[0]).toMatchObject({ type: 'ENTER', geofenceId: 'zone' });
    expect(diagonal[0].position.lat).toBeCloseTo(-0.01, 6);
    expect(diagonal[0].position.lon).toBeCloseTo(0.016, 4);
  });

  it('reaches a circle at distance-to-centre minus radius, and EXITs from inside', () => {
    // Due north along lon 5 from lat 0.004 at 11.1195 m/s; circle of 500 m at lat 0.05: enter at (0.046° - 500 m).
    const circle = fence('gate', { type: 'Circle', center: [5, 0.05], radiusMeters: 500 });
    const [enter, exit] = forecast(track([5, 0], [0, 0.001]), [circle], 3600).events;
    expect(enter.type).toBe('ENTER');
    expect(enter.distanceMeters).toBeCloseTo(0.046 * M_PER_DEG - 500, 1);
    expect(exit.type).toBe('EXIT');
    expect(exit.distanceMeters).toBeCloseTo(0.046 * M_PER_DEG + 500, 1);
    expect(enter.etaSeconds).toBeCloseTo(enter.distanceMeters / ((0.004 * M_PER_DEG) / 40), 6);
  });

  it('says IDLE in each fence a stationary device is in, and nothing for UNKNOWN motion', () => {
    const parked = track([0.015, 0], [0, 0]);
    expect(forecast(parked, [zone, fence('far', box(1, 1, 2, 2))], 600)).toMatchObject({
      motion: { state: 'STATIONARY' },
      events: [{ type: 'IDLE', geofenceId: 'zone', etaSeconds: 0, distanceMeters: 0 }],
    });
    expect(forecast(track([0, 0], [0, 0], 1), [zone], 600)).toEqual({ motion: { state: 'UNKNOWN', fixes: 1 }, events: [] });
  });

  it('crosses the antimeridian into the far half of a split fence', () => {
    const pacific = fence('pacific', {
      type: 'MultiPolygon',
      coordinates: [[[[179, 10], [180, 10], [180, 12], [179, 12], [179, 10]]], [[[-180, 10], [-179, 10], [-179, 12], [-180, 12], [-180, 10]]]],
    });
    const west = fence('west', box(-178.9, 10.9, -178.8, 11.1));
    // Eastbound inside the east half at lat 11: no EXIT at the seam; EXIT at -179, through the next fence.
    const events = forecast(track([179.5, 11], [0.01, 0]), [pacific, west], 3 * 3600).events;
    expect(events.map((e) => `${e.type}:${e.geofenceId}`)).toEqual(['EXIT:pacific', 'ENTER:west', 'EXIT:west']);
    expect(events[0].position.lon).toBeCloseTo(-179, 3);
  });
});

describe('approachAlerts', () => {
  const zone = fence('zone', box(0.01, -0.01, 0.02, 0.01));
  zone.fence.forecastMinutes = 2;
  const plain = fence('plain', box(0.03, -0.01, 0.04, 0.01));

  it('announces an ENTER predicted within the fence’s forecastMinutes once per approach, again after it lapsed', () => {
    // ENTER in 60 s at lon 0.004 (within 2 minutes); the fence without forecastMinutes is never announced.
    const fixes = track([0, 0], [0.001, 0]);
    const first = approachAlerts(fixes, [zone, plain], {});
    expect(first.alerts.map((a) => [a.fence.id, Math.round(a.event.etaSeconds), a.since])).toEqual([['zone', 60, fixes[4].ts]]);
    expect(first.approaches).toEqual({ zone: fixes[4].ts });
    // The next fix, still approaching: nothing new, the approach keeps its identity.
    const next = [...fixes.slice(1), { ts: fixes[4].ts + 10_000, lon: 0.005, lat: 0 }];
    expect(approachAlerts(next, [zone, plain], first.approaches)).toEqual({ approaches: { zone: fixes[4].ts }, alerts: [] });
    // Turned back: the approach lapses; approaching again is announced again.
    expect(approachAlerts(track([0.005, 0], [-0.001, 0]), [zone], first.approaches)).toEqual({ approaches: {}, alerts: [] });
    // Too far to enter within 2 minutes (ENTER in 10 minutes).
    expect(approachAlerts(track([-0.0626, 0], [0.0011, 0]), [zone], {}).alerts).toEqual([]);
  });
});
