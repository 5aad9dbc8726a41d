/**
 * A device's keyed state for rules: a bounded history of readings (bounded by the longest
 * window any active rule needs), the latest value and the start of the current unchanged run
 * of every metric, the last reading time and the geofences the device is inside.
 */
import type { MetricValue, Position, TriggeringReading } from '@geopulse/contracts';

export interface Sample {
  id: string;
  ts: number;
  metrics: Record<string, MetricValue>;
}

export interface MetricRun {
  value: MetricValue;
  /** Event time of the first reading of the current run of equal values. */
  since: number;
}

export interface DeviceHistory {
  /** Ascending by event time. */
  samples: Sample[];
  latest: Record<string, MetricValue>;
  runs: Record<string, MetricRun>;
  lastReadingTs?: number;
  /** The newest reading, kept whole for alerts' triggering readings. */
  lastReading?: HistoryReading;
  position?: Position;
  geofences: string[];
  /** Latest time rules were evaluated at for this device: evaluation time never moves back. */
  evaluatedAt?: number;
}

export function emptyHistory(): DeviceHistory {
  return { samples: [], latest: {}, runs: {}, geofences: [] };
}

export interface HistoryReading {
  id: string;
  ts: number;
  metrics?: Record<string, MetricValue>;
  position?: Position;
  /** W3C traceparent of the reading, so alerts continue its trace (timers included). */
  traceparent?: string;
}

/**
 * Adds a reading (idempotent by reading id), keeping samples newer than `newest - retentionMs`.
 * A reading older than the newest one joins the window but does not move latest values back.
 */
export function applyReading(history: DeviceHistory, reading: HistoryReading, retentionMs: number): { history: DeviceHistory; applied: boolean } {
  if (history.samples.some((s) => s.id === reading.id)) return { history, applied: false };
  if (history.lastReading?.id === reading.id) return { history, applied: false };
  const metrics = reading.metrics ?? {};
  const samples = [...history.samples];
  let at = samples.length;
  while (at > 0 && samples[at - 1].ts > reading.ts) at -= 1;
  samples.splice(at, 0, { id: reading.id, ts: reading.ts, metrics });

  const next: DeviceHistory = { ...history, samples, latest: { ...history.latest }, runs: { ...history.runs } };
  const isNewest = history.lastReadingTs === undefined || reading.ts >= history.lastReadingTs;
  if (isNewest) {
    next.lastReadingTs = reading.ts;
    next.lastReading = reading;
    if (reading.position) next.position = reading.position;
    for (const [name, value] of Object.entries(metrics)) {
      next.latest[name] = value;
      const run = next.runs[name];
      if (!run || run.value !== value) next.runs[name] = { value, since: reading.ts };
    }
  }
  const horizon = (next.lastReadingTs ?? reading.ts) - retentionMs;
  next.samples = samples.filter((s) => s.ts >= horizon);
  return { history: next, applied: true };
}

/** Applies an ENTER / EXIT of a geofence (DWELL changes nothing). */
export function applyGeofenceTransition(history: DeviceHistory, geofenceId: string, transition: 'ENTER' | 'EXIT' | 'DWELL'): DeviceHistory {
  const inside = new Set(history.geofences);
  if (transition === 'ENTER' || transition === 'DWELL') inside.add(geofenceId);
  else inside.delete(geofenceId);
  return { ...history, geofences: [...inside].sort() };
}

const MAX_TRIGGERING = 10;

/** The readings an alert carries: the newest of the rule's window (newest first), else the last reading. */
export function triggering(history: DeviceHistory, windowMinutes: number, now: number, minuteMs: number): TriggeringReading[] {
  const last = history.lastReading;
  const toTriggering = (r: { id: string; ts: number; metrics?: TriggeringReading['metrics']; position?: TriggeringReading['position'] }): TriggeringReading => ({
    id: r.id,
    ts: new Date(r.ts).toISOString(),
    ...(r.metrics ? { metrics: r.metrics } : {}),
    ...(r.position ? { position: r.position } : {}),
  });
  if (windowMinutes > 0) {
    const from = now - windowMinutes * minuteMs;
    const inWindow = history.samples.filter((s) => s.ts > from && s.ts <= now).slice(-MAX_TRIGGERING).reverse();
    if (inWindow.length > 0) return inWindow.map((s) => (last && s.id === last.id ? toTriggering(last) : toTriggering(s)));
  }
  return last ? [toTriggering(last)] : [];
}
