/**
 * The stateful functions of rule expressions, computed from a device's history at a time `now`
 * (the reading's event time, or the timer's clock). A function that has nothing to compute on
 * throws `InsufficientData`: the rule is then INSUFFICIENT_DATA, not false.
 */
import type { MetricValue } from '@geopulse/contracts';
import type { DeviceHistory } from './device-history';
import type { RuleFunctionName } from './expression';

export class InsufficientData extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InsufficientData';
  }
}

export type RuleFunctions = Record<RuleFunctionName, (...args: unknown[]) => MetricValue>;

export interface FunctionClock {
  now: number;
  /** Length of a rule minute in ms: 60000 in production, shorter in tests. */
  minuteMs: number;
}

/** Numeric values of a metric in the window (now - minutes, now], oldest first. */
function numericWindow(history: DeviceHistory, metric: string, minutes: number, clock: FunctionClock): number[] {
  const from = clock.now - minutes * clock.minuteMs;
  const values: number[] = [];
  for (const sample of history.samples) {
    const value = sample.metrics[metric];
    if (sample.ts > from && sample.ts <= clock.now && typeof value === 'number') values.push(value);
  }
  return values;
}

function nonEmpty(name: string, metric: string, minutes: number, values: readonly number[]): readonly number[] {
  if (values.length === 0) throw new InsufficientData(`${name}('${metric}', ${minutes}): no numeric reading in the window`);
  return values;
}

/**
 * The functions at one time for one device, shared by all its rules: a window is read from the
 * history once per (metric, minutes), however many rules ask for it.
 */
export function ruleFunctions(history: DeviceHistory, clock: FunctionClock): RuleFunctions {
  const m = (metric: unknown): string => String(metric);
  const n = (minutes: unknown): number => Number(minutes);
  let windows: Map<string, readonly number[]> | undefined;
  const window = (metric: string, minutes: number): readonly number[] => {
    windows ??= new Map();
    const key = `${minutes} ${metric}`;
    let values = windows.get(key);
    if (!values) {
      values = numericWindow(history, metric, minutes, clock);
      windows.set(key, values);
    }
    return values;
  };
  return {
    hasNotChanged: (metric, minutes) => {
      const run = history.runs[m(metric)];
      if (!run) throw new InsufficientData(`hasNotChanged('${m(metric)}'): metric never seen`);
      return clock.now - run.since >= n(minutes) * clock.minuteMs;
    },
    avg: (metric, minutes) => {
      const values = nonEmpty('avg', m(metric), n(minutes), window(m(metric), n(minutes)));
      let total = 0;
      for (const value of values) total += value;
      return total / values.length;
    },
    min: (metric, minutes) => Math.min(...nonEmpty('min', m(metric), n(minutes), window(m(metric), n(minutes)))),
    max: (metric, minutes) => Math.max(...nonEmpty('max', m(metric), n(minutes), window(m(metric), n(minutes)))),
    count: (metric, minutes) => window(m(metric), n(minutes)).length,
    delta: (metric, minutes) => {
      const values = window(m(metric), n(minutes));
      if (values.length < 2) throw new InsufficientData(`delta('${m(metric)}', ${n(minutes)}): fewer than 2 readings in the window`);
      return values[values.length - 1] - values[0];
    },
    minutesSinceLastReading: () => {
      if (history.lastReadingTs === undefined) throw new InsufficientData('minutesSinceLastReading(): no reading yet');
      return Math.max(0, clock.now - history.lastReadingTs) / clock.minuteMs;
    },
    inGeofence: (geofenceId) => history.geofences.includes(String(geofenceId)),
  };
}
