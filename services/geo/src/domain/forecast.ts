import type { Geofence } from '@geopulse/contracts';
import type { FenceShape } from './fence-shape';
import { destination, finalBearingDegrees, haversineMeters, type Point } from './geo-math';
import type { TrackPoint } from './membership';

/**
 * Where a device is going: its velocity from the recent track, then the fences its straight
 * path crosses within a horizon. The model (docs/decisions/0301):
 *
 * - velocity = the displacement from the oldest to the newest fix of the track that lies within
 *   `trackWindowMs` of the newest, divided by the time between them (an average over up to
 *   TRACK_LENGTH fixes, which smooths GPS noise but lags a turn); the heading is the great
 *   circle's bearing on arrival at the newest fix;
 * - the device keeps that speed along that great circle (the shortest line on the sphere, not
 *   a rhumb line) from its newest fix; times are counted from that fix's event time;
 * - below `idleSpeedMps` the device is STATIONARY: it stays where it is (IDLE in each fence
 *   that contains it); with fewer than two fixes in the window its motion is UNKNOWN.
 *
 * Crossings are found by sampling the path (at most `maxSamples` steps, no shorter than
 * `minStepMeters`) with the fences' exact containment test, then bisecting each change to a
 * centimetre; a fence narrower than one step may be crossed unseen.
 */
export interface ForecastSettings {
  idleSpeedMps: number;
  trackWindowMs: number;
  maxSamples: number;
  minStepMeters: number;
}

export const DEFAULT_FORECAST_SETTINGS: ForecastSettings = { idleSpeedMps: 0.5, trackWindowMs: 10 * 60_000, maxSamples: 5000, minStepMeters: 5 };

export type MotionState = 'MOVING' | 'STATIONARY' | 'UNKNOWN';

export interface Motion {
  state: MotionState;
  /** Fixes the estimate used. */
  fixes: number;
  speedMps?: number;
  headingDegrees?: number;
}

export type ForecastEventType = 'ENTER' | 'EXIT' | 'IDLE';

export interface ForecastEvent {
  type: ForecastEventType;
  geofenceId: string;
  geofenceName: string;
  /** Seconds after the newest fix. */
  etaSeconds: number;
  /** Metres along the path from the newest fix. */
  distanceMeters: number;
  position: Point;
}

export interface Forecast {
  motion: Motion;
  events: ForecastEvent[];
}

export interface CandidateFence {
  fence: Geofence;
  shape: FenceShape;
}

export function estimateMotion(track: readonly TrackPoint[], settings: ForecastSettings = DEFAULT_FORECAST_SETTINGS): Motion {
  if (track.length === 0) return { state: 'UNKNOWN', fixes: 0 };
  const last = track[track.length - 1];
  const usable = track.filter((p) => p.ts >= last.ts - settings.trackWindowMs && p.ts <= last.ts);
  const first = usable[0];
  if (usable.length < 2 || first.ts === last.ts) return { state: 'UNKNOWN', fixes: usable.length };
  const speedMps = haversineMeters(first, last) / ((last.ts - first.ts) / 1000);
  if (speedMps < settings.idleSpeedMps) return { state: 'STATIONARY', fixes: usable.length, speedMps };
  return { state: 'MOVING', fixes: usable.length, speedMps, headingDegrees: finalBearingDegrees(first, last) };
}

/** Forecast for a device whose newest fix is the last of `track`, over `horizonSeconds`. */
export function forecast(track: readonly TrackPoint[], fences: readonly CandidateFence[], horizonSeconds: number, settings: ForecastSettings = DEFAULT_FORECAST_SETTINGS): Forecast {
  const motion = estimateMotion(track, settings);
  if (motion.state === 'UNKNOWN') return { motion, events: [] };
  const origin: Point = { lat: track[track.length - 1].lat, lon: track[track.length - 1].lon };
  if (motion.state === 'STATIONARY') {
    const events = fences
      .filter((c) => c.shape.contains(origin))
      .map((c): ForecastEvent => ({ type: 'IDLE', geofenceId: c.fence.id, geofenceName: c.fence.name, etaSeconds: 0, distanceMeters: 0, position: origin }));
    return { motion, events };
  }
  const speed = motion.speedMps!;
  const heading = motion.headingDegrees!;
  const length = speed * horizonSeconds;
  const steps = Math.max(1, Math.min(settings.maxSamples, Math.ceil(length / settings.minStepMeters)));
  const step = length / steps;
  const at = (d: number): Point => destination(origin, heading, d);
  const samples = Array.from({ length: steps + 1 }, (_, i) => at(i * step));
  const pathBox = boxOf(samples);
  const events: ForecastEvent[] = [];
  for (const c of fences) {
    if (pathBox && !overlaps(pathBox, c.shape.box)) continue;
    let inside = c.shape.contains(origin);
    for (let i = 1; i <= steps; i++) {
      const now = c.shape.contains(samples[i]);
      if (now === inside) continue;
      const d = bisect((x) => c.shape.contains(at(x)) === now, (i - 1) * step, i * step);
      events.push({ type: now ? 'ENTER' : 'EXIT', geofenceId: c.fence.id, geofenceName: c.fence.name, etaSeconds: d / speed, distanceMeters: d, position: at(d) });
      inside = now;
    }
  }
  events.sort((a, b) => a.distanceMeters - b.distanceMeters || a.geofenceId.localeCompare(b.geofenceId));
  return { motion, events };
}

/** Smallest x in (lo, hi] where `changed(x)` holds, to 1 cm, given it holds at hi and not at lo. */
function bisect(changed: (x: number) => boolean, lo: number, hi: number): number {
  while (hi - lo > 0.01) {
    const mid = (lo + hi) / 2;
    if (changed(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** The path's box, or undefined when it crosses the antimeridian (then every fence is a candidate). */
function boxOf(points: readonly Point[]): Box | undefined {
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (i > 0 && Math.abs(p.lon - points[i - 1].lon) > 180) return undefined;
    box.minX = Math.min(box.minX, p.lon);
    box.maxX = Math.max(box.maxX, p.lon);
    box.minY = Math.min(box.minY, p.lat);
    box.maxY = Math.max(box.maxY, p.lat);
  }
  return box;
}

/** Fence boxes past ±180° (circles near the antimeridian) are always candidates. */
function overlaps(a: Box, b: Box): boolean {
  if (b.minX < -180 || b.maxX > 180) return true;
  return a.minX <= b.maxX && b.minX <= a.maxX && a.minY <= b.maxY && b.minY <= a.maxY;
}

/** Approaches already announced, by fence id: the event time of the fix they were first predicted from. */
export type Approaches = Record<string, number>;

export interface ApproachAlert {
  fence: Geofence;
  event: ForecastEvent;
  motion: Motion;
  /** Event time of the fix the approach was first predicted from (the alert's identity). */
  since: number;
}

/**
 * The `geofence.forecast` decision at a device's newest fix: among `fences` (those with
 * `forecastMinutes` that target the device), the ones it is predicted to ENTER within their
 * `forecastMinutes`. Each approach is announced once: again only after a fix at which it is no
 * longer predicted (it turned away, stopped, or entered).
 */
export function approachAlerts(track: readonly TrackPoint[], fences: readonly CandidateFence[], announced: Approaches, settings: ForecastSettings = DEFAULT_FORECAST_SETTINGS): { approaches: Approaches; alerts: ApproachAlert[] } {
  const withinMinutes = fences.filter((c) => c.fence.forecastMinutes !== undefined);
  if (withinMinutes.length === 0 || track.length === 0) return { approaches: {}, alerts: [] };
  const horizon = Math.max(...withinMinutes.map((c) => c.fence.forecastMinutes!)) * 60;
  const { motion, events } = forecast(track, withinMinutes, horizon, settings);
  const byId = new Map(withinMinutes.map((c) => [c.fence.id, c.fence]));
  const newest = track[track.length - 1].ts;
  const approaches: Approaches = {};
  const alerts: ApproachAlert[] = [];
  for (const event of events) {
    const fence = byId.get(event.geofenceId)!;
    if (event.type !== 'ENTER' || approaches[fence.id] !== undefined || event.etaSeconds > fence.forecastMinutes! * 60) continue;
    const since = announced[fence.id] ?? newest;
    approaches[fence.id] = since;
    if (announced[fence.id] === undefined) alerts.push({ fence, event, motion, since });
  }
  return { approaches, alerts };
}
