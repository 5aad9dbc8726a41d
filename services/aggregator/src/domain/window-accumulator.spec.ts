import type { TelemetryReading } from '@geopulse/contracts';
import { haversineMeters } from './geo-distance';
import { WindowAccumulator, windowStartOf } from './window-accumulator';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
let n = 0;
const r = (sec: number, metrics: TelemetryReading['metrics'], position?: { lat: number; lon: number }): TelemetryReading => ({
  tenantId: 't',
  deviceId: 'd',
  id: `r${sec}-${n++}`,
  ts: new Date(T0 + sec * 1000).toISOString(),
  receivedAt: new Date(T0).toISOString(),
  metrics,
  ...(position ? { position } : {}),
});

describe('windowStartOf', () => {
  it('aligns tumbling windows on multiples of the size', () => {
    expect(windowStartOf(T0 + 59_999, 60_000)).toBe(T0);
    expect(windowStartOf(T0 + 60_000, 60_000)).toBe(T0 + 60_000);
  });
});

describe('WindowAccumulator', () => {
  it('computes count, min, max, avg, sum and last per numeric metric, ignoring booleans and strings', () => {
    const w = WindowAccumulator.empty(T0, 60_000);
    WindowAccumulator.add(w, r(10, { t: 20, on: true, mode: 'x' }), 1);
    WindowAccumulator.add(w, r(30, { t: 26 }), 2);
    WindowAccumulator.add(w, r(20, { t: 17, h: 5 }), 3);
    const a = WindowAccumulator.toAggregate(w, 't', 'd');
    expect(a).toMatchObject({ count: 3, windowStart: '2026-11-22T10:00:00.000Z', windowEnd: '2026-11-22T10:01:00.000Z', revision: 0 });
    expect(a.metrics).toEqual({ t: { count: 3, min: 17, max: 26, sum: 63, avg: 21, last: 26 }, h: { count: 1, min: 5, max: 5, sum: 5, avg: 5, last: 5 } });
  });

  it('takes last by event time, and the later arrival on a tie', () => {
    const w = WindowAccumulator.empty(T0, 60_000);
    WindowAccumulator.add(w, r(40, { t: 1 }), 1);
    WindowAccumulator.add(w, r(5, { t: 2 }), 2);
    expect(WindowAccumulator.toAggregate(w, 't', 'd').metrics.t.last).toBe(1);
    WindowAccumulator.add(w, r(40, { t: 3 }), 3);
    expect(WindowAccumulator.toAggregate(w, 't', 'd').metrics.t.last).toBe(3);
  });

  it('gives first/last position and distance along event-time order whatever the arrival order', () => {
    const points = [
      { sec: 0, lat: 52.0, lon: 4.0 },
      { sec: 10, lat: 52.01, lon: 4.0 },
      { sec: 20, lat: 52.01, lon: 4.02 },
      { sec: 30, lat: 52.0, lon: 4.02 },
    ];
    const expected = haversineMeters(points[0], points[1]) + haversineMeters(points[1], points[2]) + haversineMeters(points[2], points[3]);
    const w = WindowAccumulator.empty(T0, 60_000);
    for (const [seq, i] of [2, 0, 3, 1].entries()) WindowAccumulator.add(w, r(points[i].sec, undefined, points[i]), seq);
    const a = WindowAccumulator.toAggregate(w, 't', 'd');
    expect(a.firstPosition).toEqual({ lat: 52.0, lon: 4.0, ts: '2026-11-22T10:00:00.000Z' });
    expect(a.lastPosition).toEqual({ lat: 52.0, lon: 4.02, ts: '2026-11-22T10:00:30.000Z' });
    expect(a.distanceMeters).toBeCloseTo(expected, 6);
    expect(a.metrics).toEqual({});
  });

  it('starts the next revision when an emitted window changes, once per change set', () => {
    const w = WindowAccumulator.empty(T0, 60_000);
    WindowAccumulator.add(w, r(1, { t: 1 }), 1);
    expect(w.revision).toBe(0);
    WindowAccumulator.add(w, r(2, { t: 1 }), 2, 0);
    expect(w.revision).toBe(1);
    WindowAccumulator.add(w, r(3, { t: 1 }), 3);
    expect(w.revision).toBe(1);
    WindowAccumulator.add(w, r(4, { t: 1 }), 4, 1);
    expect(w.revision).toBe(2);
  });

  it('counts a reading id once, even when it comes again as another record', () => {
    const w = WindowAccumulator.empty(T0, 60_000);
    const reading = r(5, { t: 1 });
    expect(WindowAccumulator.add(w, reading, 1)).toBe(true);
    expect(WindowAccumulator.add(w, { ...reading }, 2)).toBe(false);
    expect(WindowAccumulator.toAggregate(w, 't', 'd').count).toBe(1);
  });

  it('refuses a reading outside the window and survives a JSON round trip', () => {
    const w = WindowAccumulator.empty(T0, 60_000);
    expect(() => WindowAccumulator.add(w, r(60, { t: 1 }), 1)).toThrow(/outside window/);
    WindowAccumulator.add(w, r(1, { t: 1 }, { lat: 1, lon: 1 }), 1, undefined, '00-abc');
    const copy = JSON.parse(JSON.stringify(w));
    WindowAccumulator.add(copy, r(2, { t: 3 }), 2);
    expect(WindowAccumulator.toAggregate(copy, 't', 'd').metrics.t.avg).toBe(2);
    expect(copy.traceparent).toBe('00-abc');
  });
});
