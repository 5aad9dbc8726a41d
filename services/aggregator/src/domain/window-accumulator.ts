import type { TelemetryAggregate, TelemetryReading } from '@geopulse/contracts';
import { haversineMeters } from './geo-distance';

interface MetricSummary {
  count: number;
  min: number;
  max: number;
  sum: number;
  last: number;
  /** Event time and arrival sequence of `last`: the newest event time wins, a later arrival wins a tie. */
  lastTs: number;
  lastSeq: number;
}

/** One position of the window's track: [event time ms, lat, lon, arrival sequence]. */
type TrackPoint = [number, number, number, number];

/** The stored state of one device's window: plain JSON, so it lives in Redis between batches. */
export interface WindowState {
  start: number;
  end: number;
  count: number;
  metrics: Record<string, MetricSummary>;
  /** Sorted by event time (then arrival), so distance is exact whatever the arrival order. */
  track: TrackPoint[];
  /** The revision the next emission carries. */
  revision: number;
  /** traceparent of the reading that last changed the window: the emitted event continues its trace. */
  traceparent?: string;
  /**
   * 32-bit hashes of the reading ids counted (the id is the idempotency key): a reading a
   * device or a producer retry sent twice, as two Kafka records, counts once.
   */
  ids?: number[];
}

/** FNV-1a, 32 bit: short enough to keep per reading, collisions within one window negligible. */
export function readingIdHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export const windowStartOf = (tsMs: number, windowMs: number): number => Math.floor(tsMs / windowMs) * windowMs;

/**
 * Tumbling event-time window of one device: count, min/max/avg/last per numeric metric,
 * first and last position and the distance travelled. Pure; the caller keeps the state.
 */
export const WindowAccumulator = {
  empty(tsMs: number, windowMs: number): WindowState {
    const start = windowStartOf(tsMs, windowMs);
    return { start, end: start + windowMs, count: 0, metrics: {}, track: [], revision: 0 };
  },

  /**
   * Adds a reading (its event time must fall in the window); false, and no change, when a
   * reading with its id was counted already. `seq` orders arrivals (the Kafka offset).
   * `emittedRevision` is the last revision already sent: changing an emitted window starts the
   * next revision.
   */
  add(state: WindowState, reading: TelemetryReading, seq: number, emittedRevision?: number, traceparent?: string): boolean {
    const ts = Date.parse(reading.ts);
    if (ts < state.start || ts >= state.end) throw new Error(`reading ${reading.id} at ${reading.ts} is outside window [${state.start}, ${state.end})`);
    const idHash = readingIdHash(reading.id);
    state.ids ??= [];
    if (state.ids.includes(idHash)) return false;
    state.ids.push(idHash);
    if (emittedRevision !== undefined && emittedRevision >= state.revision) state.revision = emittedRevision + 1;
    state.count += 1;
    for (const [name, value] of Object.entries(reading.metrics ?? {})) {
      if (typeof value !== 'number') continue;
      const m = state.metrics[name];
      if (!m) {
        state.metrics[name] = { count: 1, min: value, max: value, sum: value, last: value, lastTs: ts, lastSeq: seq };
        continue;
      }
      m.count += 1;
      m.min = Math.min(m.min, value);
      m.max = Math.max(m.max, value);
      m.sum += value;
      if (ts > m.lastTs || (ts === m.lastTs && seq > m.lastSeq)) Object.assign(m, { last: value, lastTs: ts, lastSeq: seq });
    }
    if (reading.position) {
      const point: TrackPoint = [ts, reading.position.lat, reading.position.lon, seq];
      let i = state.track.length;
      while (i > 0 && (state.track[i - 1][0] > ts || (state.track[i - 1][0] === ts && state.track[i - 1][3] > seq))) i--;
      state.track.splice(i, 0, point);
    }
    if (traceparent) state.traceparent = traceparent;
    return true;
  },

  toAggregate(state: WindowState, tenantId: string, deviceId: string): TelemetryAggregate {
    const metrics: TelemetryAggregate['metrics'] = {};
    for (const [name, m] of Object.entries(state.metrics)) {
      metrics[name] = { count: m.count, min: m.min, max: m.max, sum: m.sum, avg: m.sum / m.count, last: m.last };
    }
    let distanceMeters = 0;
    for (let i = 1; i < state.track.length; i++) {
      const [, lat1, lon1] = state.track[i - 1];
      const [, lat2, lon2] = state.track[i];
      distanceMeters += haversineMeters({ lat: lat1, lon: lon1 }, { lat: lat2, lon: lon2 });
    }
    const at = (p: TrackPoint | undefined) => (p ? { lat: p[1], lon: p[2], ts: new Date(p[0]).toISOString() } : undefined);
    const aggregate: TelemetryAggregate = {
      tenantId,
      deviceId,
      windowStart: new Date(state.start).toISOString(),
      windowEnd: new Date(state.end).toISOString(),
      revision: state.revision,
      count: state.count,
      metrics,
      distanceMeters,
    };
    const first = at(state.track[0]);
    const last = at(state.track[state.track.length - 1]);
    if (first) aggregate.firstPosition = first;
    if (last) aggregate.lastPosition = last;
    return aggregate;
  },
};
