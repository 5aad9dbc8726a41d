import type { Geofence, GeofenceTransition, GeofenceTransitionReason } from '@geopulse/contracts';
import { targets } from './geofence';
import type { Observation } from './fence-shape';

/** One open visit of a device in a fence. Only visits are stored: no entry means outside. */
export interface Visit {
  /** Event time (ms) of the ENTER. */
  enteredAt: number;
  /** Event time (ms) at which DWELL is due; absent when the fence has no dwellSeconds. */
  dwellAt?: number;
  dwelled: boolean;
  /** Fence version last evaluated, to tell a geometry change from a movement. */
  fenceVersion: number;
  fenceName: string;
}

export interface GeoPosition {
  lat: number;
  lon: number;
  accuracy?: number;
}

/** A device's geofence state: the last applied event time and its open visits. */
export interface DeviceGeoState {
  /** Event time (ms) of the newest applied reading; readings at or before it are ignored. */
  lastTs: number;
  /** Wall-clock time (ms) when that reading was applied: how far the device's own time has moved since. */
  appliedAt: number;
  position: GeoPosition;
  readingId?: string;
  visits: Record<string, Visit>;
}

export interface Transition {
  fenceId: string;
  fenceName: string;
  transition: GeofenceTransition;
  reason: GeofenceTransitionReason;
  /** Event time in ms. */
  at: number;
  position: GeoPosition;
  readingId?: string;
  visitStartedAt: number;
}

export interface PositionReading {
  id: string;
  ts: number;
  position: GeoPosition;
  /** The device's registry tags the reading carries (docs/decisions/0107), for fences targeting tags. */
  tags?: readonly string[];
}

export type ApplyResult = { applied: false; state: DeviceGeoState | undefined } | { applied: true; state: DeviceGeoState; transitions: Transition[] };

/**
 * One reading against a device's state: the membership state machine of every (device, fence).
 *
 * - A reading at or before `lastTs` is ignored (late, duplicate or replayed after a crash).
 * - `inside` with no visit opens one: ENTER (only if the fence targets the device).
 * - `outside` with a visit closes it: EXIT (reason `fence-changed` when the fence's version
 *   changed since the visit was last evaluated, else `position`).
 * - `uncertain` (accuracy circle straddles the boundary) changes nothing: hysteresis.
 * - A visit whose fence is gone, or no longer targets the device, closes with EXIT
 *   (`fence-deleted`, `fence-retargeted`).
 * - DWELL fires once per visit when the reading's event time reaches `dwellAt`, before any
 *   EXIT of the same reading, if the device is known to have been inside at `dwellAt` (still
 *   not outside now, or `dwellAt` at or before the previous reading).
 *
 * `observations` lists the fences that are not `outside` for this position; `fenceOf` finds a
 * visited fence by id in the current index; `now` is the wall-clock time of applying it.
 */
export function applyReading(
  deviceId: string,
  state: DeviceGeoState | undefined,
  reading: PositionReading,
  observations: ReadonlyArray<{ fence: Geofence; observation: Observation }>,
  fenceOf: (fenceId: string) => Geofence | undefined,
  now: number,
): ApplyResult {
  if (state && reading.ts <= state.lastTs) return { applied: false, state };
  const transitions: Transition[] = [];
  const visits: Record<string, Visit> = {};
  const observed = new Map(observations.map((o) => [o.fence.id, o]));
  const base = { position: reading.position, readingId: reading.id };

  for (const [fenceId, stored] of Object.entries(state?.visits ?? {})) {
    const visit = { ...stored };
    const fence = fenceOf(fenceId);
    const close = (reason: GeofenceTransitionReason, name = visit.fenceName) =>
      transitions.push({ ...base, fenceId, fenceName: name, transition: 'EXIT', reason, at: reading.ts, visitStartedAt: visit.enteredAt });
    if (!fence) {
      close('fence-deleted');
      continue;
    }
    if (!targets(fence.target, deviceId, reading.tags)) {
      close('fence-retargeted', fence.name);
      continue;
    }
    const observation = observed.get(fenceId)?.observation ?? 'outside';
    if (visit.dwellAt !== undefined && !visit.dwelled && visit.dwellAt <= reading.ts && (observation !== 'outside' || visit.dwellAt <= state!.lastTs)) {
      transitions.push({ ...base, fenceId, fenceName: fence.name, transition: 'DWELL', reason: 'position', at: visit.dwellAt, visitStartedAt: visit.enteredAt });
      visit.dwelled = true;
    }
    if (observation === 'outside') {
      close(visit.fenceVersion !== fence.version ? 'fence-changed' : 'position', fence.name);
      continue;
    }
    visits[fenceId] = { ...visit, fenceVersion: fence.version, fenceName: fence.name };
  }

  for (const { fence, observation } of observations) {
    if (observation !== 'inside' || visits[fence.id] || state?.visits[fence.id]) continue;
    if (!targets(fence.target, deviceId, reading.tags)) continue;
    const visit: Visit = { enteredAt: reading.ts, dwelled: false, fenceVersion: fence.version, fenceName: fence.name };
    if (fence.dwellSeconds !== undefined) visit.dwellAt = reading.ts + fence.dwellSeconds * 1000;
    visits[fence.id] = visit;
    transitions.push({ ...base, fenceId: fence.id, fenceName: fence.name, transition: 'ENTER', reason: 'position', at: reading.ts, visitStartedAt: reading.ts });
  }

  return { applied: true, state: { lastTs: reading.ts, appliedAt: now, position: reading.position, readingId: reading.id, visits }, transitions };
}

/**
 * The device's event time as of wall-clock `now`: its last reading's time plus the wall time
 * since that reading was applied. For a live device this is about `now`; for a backlog being
 * replayed it moves only as fast as real silence, so a timer never fires a DWELL that a
 * not-yet-processed reading of the backlog would contradict.
 */
export function deviceTimeAt(state: DeviceGeoState, now: number): number {
  return state.lastTs + Math.max(0, now - (state.appliedAt ?? state.lastTs));
}

/** The visits whose DWELL is due at wall-clock `now` and has not fired: the timer's question. */
export function due(state: DeviceGeoState, now: number): Array<{ fenceId: string; visit: Visit }> {
  const deviceNow = deviceTimeAt(state, now);
  return Object.entries(state.visits)
    .filter(([, v]) => v.dwellAt !== undefined && !v.dwelled && v.dwellAt <= deviceNow)
    .map(([fenceId, visit]) => ({ fenceId, visit }));
}

/** Fires the due DWELLs (timer, no new reading): at the due event time, at the last known position. */
export function fireDueDwells(state: DeviceGeoState, now: number): { state: DeviceGeoState; transitions: Transition[] } {
  const firing = due(state, now);
  if (firing.length === 0) return { state, transitions: [] };
  const visits = { ...state.visits };
  const transitions: Transition[] = firing.map(({ fenceId, visit }) => {
    visits[fenceId] = { ...visit, dwelled: true };
    return {
      fenceId,
      fenceName: visit.fenceName,
      transition: 'DWELL',
      reason: 'dwell-timer',
      at: visit.dwellAt!,
      position: state.position,
      visitStartedAt: visit.enteredAt,
    };
  });
  return { state: { ...state, visits }, transitions };
}

/**
 * Closes a visit because its fence changed under the device without a reading (deletion):
 * EXIT at wall-clock `now` (never before the last reading), at the last known position.
 */
export function closeVisit(state: DeviceGeoState, fenceId: string, reason: GeofenceTransitionReason, now: number): { state: DeviceGeoState; transitions: Transition[] } {
  const visit = state.visits[fenceId];
  if (!visit) return { state, transitions: [] };
  const visits = { ...state.visits };
  delete visits[fenceId];
  return {
    state: { ...state, visits },
    transitions: [
      { fenceId, fenceName: visit.fenceName, transition: 'EXIT', reason, at: Math.max(now, state.lastTs), position: state.position, visitStartedAt: visit.enteredAt },
    ],
  };
}

/**
 * A fence changed (geometry or target) while the device had a visit: re-judge the visit at
 * the device's last known position, as its next reading would. Outside now (certainly, not
 * within the band) closes it with `fence-changed`; no longer targeted by id closes it with
 * `fence-retargeted`; otherwise the visit goes on (a DWELL timer keeps its due time).
 */
export function reconsiderVisit(
  deviceId: string,
  state: DeviceGeoState,
  fence: Geofence,
  observation: Observation,
  now: number,
): { state: DeviceGeoState; transitions: Transition[] } {
  const visit = state.visits[fence.id];
  if (!visit) return { state, transitions: [] };
  // Tag targets need the reading's tags: the next reading judges those.
  const ids = fence.target?.deviceIds;
  if (ids && ids.length > 0 && !ids.includes(deviceId)) {
    return closeVisit(state, fence.id, 'fence-retargeted', now);
  }
  if (observation === 'outside') return closeVisit(state, fence.id, 'fence-changed', now);
  return { state: { ...state, visits: { ...state.visits, [fence.id]: { ...visit, fenceVersion: fence.version, fenceName: fence.name } } }, transitions: [] };
}

/** The uncertainty band of a position: its accuracy radius, never below the service minimum. */
export function uncertaintyBand(position: GeoPosition, minimumMeters: number): number {
  return Math.max(position.accuracy ?? 0, minimumMeters);
}
