import { applyGeofenceTransition, applyReading, emptyHistory, type DeviceHistory } from './device-history';
import { InsufficientData, ruleFunctions } from './functions';

const MIN = 60_000;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');

function feed(values: [number, Record<string, number | boolean | string>][], retentionMs = 60 * MIN): DeviceHistory {
  let history = emptyHistory();
  values.forEach(([ts, metrics], i) => {
    history = applyReading(history, { id: `r${i}`, ts, metrics }, retentionMs).history;
  });
  return history;
}

describe('device history', () => {
  it('is idempotent by reading id and bounded by the retention', () => {
    let history = emptyHistory();
    history = applyReading(history, { id: 'a', ts: T0, metrics: { t: 1 } }, 5 * MIN).history;
    const again = applyReading(history, { id: 'a', ts: T0, metrics: { t: 1 } }, 5 * MIN);
    expect(again.applied).toBe(false);
    history = applyReading(history, { id: 'b', ts: T0 + 10 * MIN, metrics: { t: 2 } }, 5 * MIN).history;
    expect(history.samples.map((s) => s.id)).toEqual(['b']);
  });

  it('keeps a late reading in the window without moving latest values back', () => {
    const history = feed([
      [T0 + 2 * MIN, { t: 5 }],
      [T0 + MIN, { t: 9 }],
    ]);
    expect(history.latest.t).toBe(5);
    expect(history.samples.map((s) => s.metrics.t)).toEqual([9, 5]);
    expect(history.lastReadingTs).toBe(T0 + 2 * MIN);
  });

  it('tracks geofence membership', () => {
    let history = applyGeofenceTransition(emptyHistory(), 'depot', 'ENTER');
    expect(ruleFunctions(history, { now: T0, minuteMs: MIN }).inGeofence('depot')).toBe(true);
    history = applyGeofenceTransition(history, 'depot', 'EXIT');
    expect(ruleFunctions(history, { now: T0, minuteMs: MIN }).inGeofence('depot')).toBe(false);
  });
});

describe('rule functions', () => {
  const history = feed([
    [T0, { t: 10, s: 'a' }],
    [T0 + 2 * MIN, { t: 20, s: 'a' }],
    [T0 + 4 * MIN, { t: 30, s: 'a' }],
    [T0 + 6 * MIN, { t: 30, s: 'a' }],
  ]);
  const at = (now: number) => ruleFunctions(history, { now, minuteMs: MIN });

  it('computes avg, min, max, count and delta over the window ending now', () => {
    const f = at(T0 + 6 * MIN);
    expect(f.avg('t', 5)).toBeCloseTo((20 + 30 + 30) / 3);
    expect(f.min('t', 5)).toBe(20);
    expect(f.max('t', 10)).toBe(30);
    expect(f.count('t', 10)).toBe(4);
    expect(f.delta('t', 10)).toBe(20);
    expect(at(T0 + 30 * MIN).count('t', 10)).toBe(0);
  });

  it('reports insufficient data instead of a number when the window is empty', () => {
    expect(() => at(T0 + 30 * MIN).avg('t', 10)).toThrow(InsufficientData);
    expect(() => at(T0 + 6 * MIN).delta('t', 1)).toThrow(InsufficientData);
    expect(() => ruleFunctions(emptyHistory(), { now: T0, minuteMs: MIN }).minutesSinceLastReading()).toThrow(InsufficientData);
  });

  it('hasNotChanged is true once the value has stayed equal for the window, with or without new readings', () => {
    expect(at(T0 + 6 * MIN).hasNotChanged('t', 5)).toBe(false);
    expect(at(T0 + 9 * MIN).hasNotChanged('t', 5)).toBe(true);
    expect(at(T0 + 6 * MIN).hasNotChanged('s', 5)).toBe(true);
    expect(() => at(T0).hasNotChanged('unknown', 5)).toThrow(InsufficientData);
  });

  it('measures minutes since the last reading with the injected clock', () => {
    expect(at(T0 + 16 * MIN).minutesSinceLastReading()).toBe(10);
    expect(ruleFunctions(history, { now: T0 + 6 * MIN + 1000, minuteMs: 100 }).minutesSinceLastReading()).toBe(10);
  });
});
