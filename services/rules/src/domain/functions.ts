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

function numericWindow(history: DeviceHistory, metric: string, minutes: number, clock: FunctionClock): { ts: number; value: number }[] {
  const from = clock.now - minutes * clock.minuteMs;
  const values: { ts: number; value: number }[] = [];
  for (const sample of history.samples) {
    const value = sample.metrics[metric];
    if (sample.ts > from && sample.ts <= clock.now && typeof value === 'number') values.push({ ts: sample.ts, value });
  }
  return values;
}

function nonEmpty(name: string, metric: string, minutes: number, values: { value: number }[]): number[] {
  if (values.length === 0) throw new InsufficientData(`${name}('${metric}', ${minutes}): no numeric reading in the window`);
  return values.map((v) => v.value);
}

export function ruleFunctions(history: DeviceHistory, clock: FunctionClock): RuleFunctions {
  const m = (metric: unknown): string => String(metric);
  const n = (minutes: unknown): number => Number(minutes);
  return {
    hasNotChanged: (metric, minutes) => {
      const run = history.runs[m(metric)];
      if (!run) throw new InsufficientData(`hasNotChanged('${m(metric)}'): metric never seen`);
      return clock.now - run.since >= n(minutes) * clock.minuteMs;
    },
    avg: (metric, minutes) => {
      const values = nonEmpty('avg', m(metric), n(minutes), numericWindow(history, m(metric), n(minutes), clock));
      return values.reduce((a, b) => a + b, 0) / values.length;
    },
    min: (metric, minutes) => Math.min(...nonEmpty('min', m(metric), n(minutes), numericWindow(history, m(metric), n(minutes), clock))),
    max: (metric, minutes) => Math.max(...nonEmpty('max', m(metric), n(minutes), numericWindow(history, m(metric), n(minutes), clock))),
    count: (metric, minutes) => numericWindow(history, m(metric), n(minutes), clock).length,
    delta: (metric, minutes) => {
      const values = numericWindow(history, m(metric), n(minutes), clock);
      if (values.length < 2) throw new InsufficientData(`delta('${m(metric)}', ${n(minutes)}): fewer than 2 readings in the window`);
      return values[values.length - 1].value - values[0].value;
    },
    minutesSinceLastReading: () => {
      if (history.lastReadingTs === undefined) throw new InsufficientData('minutesSinceLastReading(): no reading yet');
      return Math.max(0, clock.now - history.lastReadingTs) / clock.minuteMs;
    },
    inGeofence: (geofenceId) => history.geofences.includes(String(geofenceId)),
  };
}
