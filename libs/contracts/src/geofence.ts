/**
 * Geofences (ARCHITECTURE.md, "Geo"): the resource of `/v1/geofences`, the data of
 * `io.geopulse.geofence.changed.v1` on the compacted `geopulse.geofences.v1` (key
 * `<tenantId>:<geofenceId>`, a tombstone on delete) and of
 * `io.geopulse.geofence.transition.v1` on `geopulse.geofence-events.v1` (key
 * `<tenantId>:<deviceId>`).
 */
import { isRecord } from './json-body';
import { ID_PATTERN } from './reading';

/** [lon, lat], as GeoJSON. */
export type LonLat = [number, number];

export interface PolygonGeometry {
  type: 'Polygon';
  /** Outer ring first, then holes; each ring closed (first position == last). */
  coordinates: LonLat[][];
}

export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: LonLat[][][];
}

export interface CircleGeometry {
  type: 'Circle';
  center: LonLat;
  radiusMeters: number;
}

export type GeofenceGeometry = PolygonGeometry | MultiPolygonGeometry | CircleGeometry;

/** Which devices a fence applies to; absent means every device of the tenant. */
export interface GeofenceTarget {
  deviceIds?: string[];
  /** Matches readings carrying these tags (every pair must match). */
  tags?: Record<string, string>;
}

/** What an operator sends (POST / PUT). */
export interface GeofenceInput {
  id?: string;
  name: string;
  geometry: GeofenceGeometry;
  /** DWELL once per visit after this many seconds inside; absent: no DWELL. */
  dwellSeconds?: number;
  /** The fence's own labels. */
  tags?: Record<string, string>;
  target?: GeofenceTarget;
  /** Publish `io.geopulse.geofence.forecast.v1` when a device is predicted to enter within this many minutes; absent: never. */
  forecastMinutes?: number;
}

/** A stored fence. */
export interface Geofence extends GeofenceInput {
  id: string;
  tenantId: string;
  /** Increases with every change; replicas apply only newer versions. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** `sub` of the operator token that created it (absent on records written before this was kept). */
  createdBy?: string;
  /** `sub` of the operator token that last changed it (or deleted it, on a tombstone). */
  updatedBy?: string;
}

/** Data of `io.geopulse.geofence.changed.v1` (a tombstone carries no data). */
export interface GeofenceChangedData {
  geofence: Geofence;
}

export type GeofenceTransition = 'ENTER' | 'EXIT' | 'DWELL';

/** Why a transition happened. */
export type GeofenceTransitionReason =
  /** A reading's position crossed the boundary (or stayed inside long enough, for DWELL). */
  | 'position'
  /** The dwell timer fired without a new reading. */
  | 'dwell-timer'
  /** The fence was deleted while the device was inside. */
  | 'fence-deleted'
  /** The fence's geometry changed and no longer contains the device. */
  | 'fence-changed'
  /** The fence's target no longer includes the device. */
  | 'fence-retargeted';

/** Data of `io.geopulse.geofence.transition.v1`. */
export interface GeofenceTransitionData {
  tenantId: string;
  deviceId: string;
  geofenceId: string;
  geofenceName: string;
  transition: GeofenceTransition;
  reason: GeofenceTransitionReason;
  /** Event time of the transition (the reading's time; for DWELL, entry time + dwellSeconds). */
  at: string;
  /** The position that caused it (the last known one for timers and fence changes). */
  position: { lat: number; lon: number; accuracy?: number };
  /** Id of the reading that caused it, when one did. */
  readingId?: string;
  /** Event time of the ENTER that opened this visit. */
  visitStartedAt: string;
}

/** A geofence-transition record that does not have the shape of its data. */
export class InvalidGeofenceTransition extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidGeofenceTransition';
  }
}

const TRANSITIONS: readonly GeofenceTransition[] = ['ENTER', 'EXIT', 'DWELL'];

/** An object whose tenantId and deviceId are valid ids; throws naming the one that is not. */
function isDeviceEventData(data: unknown): data is Record<string, unknown> {
  if (!isRecord(data)) return false;
  for (const field of ['tenantId', 'deviceId'] as const) {
    const value = data[field];
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw new InvalidGeofenceTransition(`/${field} must be a valid id`);
  }
  return true;
}

/**
 * The data of an `io.geopulse.geofence.transition.v1` record as geo publishes it; the one
 * parser of every consumer (rules, notifier). Throws InvalidGeofenceTransition naming the
 * first field that is wrong.
 */
export function parseGeofenceTransitionData(data: unknown): GeofenceTransitionData {
  if (!isDeviceEventData(data)) throw new InvalidGeofenceTransition('data must be an object');
  for (const field of ['geofenceId', 'at'] as const) {
    if (typeof data[field] !== 'string' || data[field] === '') throw new InvalidGeofenceTransition(`/${field} must be a non-empty string`);
  }
  if (!TRANSITIONS.includes(data.transition as GeofenceTransition)) throw new InvalidGeofenceTransition('/transition must be ENTER, EXIT or DWELL');
  if (Number.isNaN(Date.parse(data.at as string))) throw new InvalidGeofenceTransition('/at must be an RFC 3339 time');
  const position = data.position;
  if (position !== undefined && (!isRecord(position) || typeof position.lat !== 'number' || typeof position.lon !== 'number')) {
    throw new InvalidGeofenceTransition('/position must have numeric lat and lon');
  }
  for (const field of ['geofenceName', 'reason', 'visitStartedAt', 'readingId', 'traceId'] as const) {
    if (data[field] !== undefined && typeof data[field] !== 'string') throw new InvalidGeofenceTransition(`/${field} must be a string`);
  }
  return data as unknown as GeofenceTransitionData;
}

/**
 * Data of `io.geopulse.geofence.forecast.v1` (on `geopulse.geofence-events.v1`, key
 * `<tenantId>:<deviceId>`): a device is predicted to ENTER a fence that has `forecastMinutes`
 * within that many minutes. Once per approach: again only after the prediction lapsed or the
 * device entered.
 */
export interface GeofenceForecastData {
  tenantId: string;
  deviceId: string;
  geofenceId: string;
  geofenceName: string;
  transition: 'ENTER';
  /** Event time of the reading the prediction was made from. */
  at: string;
  /** When the device is predicted to enter. */
  predictedAt: string;
  etaSeconds: number;
  distanceMeters: number;
  speedMps: number;
  headingDegrees: number;
  /** The position predicted from. */
  position: { lat: number; lon: number };
  /** Where it is predicted to cross the boundary. */
  predictedPosition: { lat: number; lon: number };
}

/**
 * The data of an `io.geopulse.geofence.forecast.v1` record; the one parser of every consumer.
 * Throws InvalidGeofenceTransition naming the first field that is wrong.
 */
export function parseGeofenceForecastData(data: unknown): GeofenceForecastData {
  if (!isDeviceEventData(data)) throw new InvalidGeofenceTransition('data must be an object');
  for (const field of ['geofenceId', 'geofenceName', 'at', 'predictedAt'] as const) {
    if (typeof data[field] !== 'string' || data[field] === '') throw new InvalidGeofenceTransition(`/${field} must be a non-empty string`);
  }
  if (data.transition !== 'ENTER') throw new InvalidGeofenceTransition('/transition must be ENTER');
  for (const field of ['at', 'predictedAt'] as const) if (Number.isNaN(Date.parse(data[field] as string))) throw new InvalidGeofenceTransition(`/${field} must be an RFC 3339 time`);
  for (const field of ['etaSeconds', 'distanceMeters', 'speedMps', 'headingDegrees'] as const) {
    if (typeof data[field] !== 'number' || !Number.isFinite(data[field])) throw new InvalidGeofenceTransition(`/${field} must be a number`);
  }
  for (const field of ['position', 'predictedPosition'] as const) {
    const p = data[field];
    if (!isRecord(p) || typeof p.lat !== 'number' || typeof p.lon !== 'number') throw new InvalidGeofenceTransition(`/${field} must have numeric lat and lon`);
  }
  return data as unknown as GeofenceForecastData;
}
