import kinks from '@turf/kinks';
import { polygon as turfPolygon } from '@turf/helpers';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { ID_PATTERN, isRecord, targetsDevice, type GeofenceGeometry, type GeofenceInput, type GeofenceTarget, type LonLat } from '@geopulse/contracts';

/** One problem with a fence, as a JSON pointer into the input and a sentence. */
export interface GeofenceIssue {
  path: string;
  message: string;
}

export interface GeofenceLimits {
  /** Positions across all rings of one fence. */
  maxVertices: number;
  maxRadiusMeters: number;
  maxDwellSeconds: number;
  maxNameLength: number;
  maxTargetDeviceIds: number;
}

export const DEFAULT_GEOFENCE_LIMITS: GeofenceLimits = {
  maxVertices: 10_000,
  maxRadiusMeters: 500_000,
  maxDwellSeconds: 30 * 86_400,
  maxNameLength: 200,
  maxTargetDeviceIds: 10_000,
};

export type GeofenceCheck = { ok: true; input: GeofenceInput & { id: string } } | { ok: false; issues: GeofenceIssue[] };

const INPUT_KEYS = new Set(['id', 'name', 'geometry', 'dwellSeconds', 'tags', 'target']);
const TAG_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Validates an operator's fence and reports every problem at once. `id` comes from the
 * input, the URL (PUT) or `newId`. Rings must be closed, have at least 4 positions, lie in
 * [-180, 180] x [-90, 90], not cross themselves or each other (checked with @turf/kinks),
 * and holes must lie inside their outer ring. A polygon edge crossing the antimeridian (a
 * longitude step over 180°, e.g. 179° to -179°) is refused with how to split it: RFC 7946
 * §3.1.9 asks for such shapes to be cut at ±180° into a MultiPolygon (read literally, the
 * ring would go the long way round the globe). Circles near it need nothing (the index and
 * the haversine distance wrap).
 */
export function validateGeofence(raw: unknown, options: { id?: string; newId: () => string; limits?: GeofenceLimits }): GeofenceCheck {
  const limits = options.limits ?? DEFAULT_GEOFENCE_LIMITS;
  const issues: GeofenceIssue[] = [];
  if (!isRecord(raw)) return { ok: false, issues: [{ path: '', message: 'a geofence is a JSON object' }] };
  for (const key of Object.keys(raw)) if (!INPUT_KEYS.has(key)) issues.push({ path: `/${key}`, message: 'unknown field' });

  let id = options.id ?? options.newId();
  if (raw.id !== undefined) {
    if (typeof raw.id !== 'string' || !ID_PATTERN.test(raw.id)) issues.push({ path: '/id', message: 'ids are 1-128 characters of letters, digits, . _ ~ -' });
    else if (options.id !== undefined && raw.id !== options.id) issues.push({ path: '/id', message: `does not match the id in the URL (${options.id})` });
    else id = raw.id;
  }
  if (options.id !== undefined && !ID_PATTERN.test(options.id)) issues.push({ path: '/id', message: 'ids are 1-128 characters of letters, digits, . _ ~ -' });
  if (typeof raw.name !== 'string' || raw.name.trim() === '' || raw.name.length > limits.maxNameLength) {
    issues.push({ path: '/name', message: `a non-empty string of at most ${limits.maxNameLength} characters` });
  }
  if (raw.dwellSeconds !== undefined) {
    const d = raw.dwellSeconds;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > limits.maxDwellSeconds) {
      issues.push({ path: '/dwellSeconds', message: `an integer from 1 to ${limits.maxDwellSeconds}` });
    }
  }
  if (raw.tags !== undefined) checkTags(raw.tags, '/tags', issues);
  if (raw.target !== undefined) checkTarget(raw.target, limits, issues);
  checkGeometry(raw.geometry, limits, issues);

  if (issues.length > 0) return { ok: false, issues };
  const input: GeofenceInput & { id: string } = { id, name: raw.name as string, geometry: normaliseGeometry(raw.geometry as GeofenceGeometry) };
  if (raw.dwellSeconds !== undefined) input.dwellSeconds = raw.dwellSeconds as number;
  if (raw.tags !== undefined) input.tags = raw.tags as Record<string, string>;
  if (raw.target !== undefined) input.target = raw.target as GeofenceTarget;
  return { ok: true, input };
}

function checkTags(tags: unknown, path: string, issues: GeofenceIssue[]): void {
  if (!isRecord(tags)) {
    issues.push({ path, message: 'an object of string values' });
    return;
  }
  for (const [k, v] of Object.entries(tags)) {
    if (!TAG_KEY.test(k)) issues.push({ path: `${path}/${k}`, message: 'tag names are 1-64 characters of letters, digits, _ . : -' });
    else if (typeof v !== 'string' || v.length > 256) issues.push({ path: `${path}/${k}`, message: 'a string of at most 256 characters' });
  }
}

function checkTarget(target: unknown, limits: GeofenceLimits, issues: GeofenceIssue[]): void {
  if (!isRecord(target)) {
    issues.push({ path: '/target', message: 'an object with deviceIds and/or tags' });
    return;
  }
  for (const key of Object.keys(target)) if (key !== 'deviceIds' && key !== 'tags') issues.push({ path: `/target/${key}`, message: 'unknown field' });
  if (target.deviceIds !== undefined) {
    const ids = target.deviceIds;
    if (!Array.isArray(ids) || ids.length > limits.maxTargetDeviceIds) issues.push({ path: '/target/deviceIds', message: `an array of at most ${limits.maxTargetDeviceIds} device ids` });
    else ids.forEach((d, i) => typeof d === 'string' && ID_PATTERN.test(d) ? undefined : issues.push({ path: `/target/deviceIds/${i}`, message: 'not a device id' }));
  }
  if (target.tags !== undefined) checkTags(target.tags, '/target/tags', issues);
}

function checkGeometry(geometry: unknown, limits: GeofenceLimits, issues: GeofenceIssue[]): void {
  if (!isRecord(geometry)) {
    issues.push({ path: '/geometry', message: 'a GeoJSON Polygon or MultiPolygon, or {"type":"Circle","center":[lon,lat],"radiusMeters":r}' });
    return;
  }
  switch (geometry.type) {
    case 'Circle': {
      checkPosition(geometry.center, '/geometry/center', issues);
      const r = geometry.radiusMeters;
      if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0 || r > limits.maxRadiusMeters) {
        issues.push({ path: '/geometry/radiusMeters', message: `a number of metres above 0 and at most ${limits.maxRadiusMeters}` });
      }
      return;
    }
    case 'Polygon':
      checkPolygon(geometry.coordinates, '/geometry/coordinates', limits.maxVertices, issues);
      return;
    case 'MultiPolygon': {
      const polys = geometry.coordinates;
      if (!Array.isArray(polys) || polys.length === 0) {
        issues.push({ path: '/geometry/coordinates', message: 'an array of at least one polygon' });
        return;
      }
      const total = polys.reduce((n: number, p: unknown) => n + (Array.isArray(p) ? p.reduce((m: number, r: unknown) => m + (Array.isArray(r) ? r.length : 0), 0) : 0), 0);
      if (total > limits.maxVertices) {
        issues.push({ path: '/geometry/coordinates', message: `too many vertices: ${total} (at most ${limits.maxVertices})` });
        return;
      }
      polys.forEach((p, i) => checkPolygon(p, `/geometry/coordinates/${i}`, Infinity, issues));
      return;
    }
    default:
      issues.push({ path: '/geometry/type', message: 'one of Polygon, MultiPolygon, Circle' });
  }
}

function checkPosition(pos: unknown, path: string, issues: GeofenceIssue[]): boolean {
  if (!Array.isArray(pos) || pos.length < 2 || pos.length > 3 || !pos.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    issues.push({ path, message: 'a position [lon, lat] of finite numbers' });
    return false;
  }
  let ok = true;
  if (pos[0] < -180 || pos[0] > 180) {
    issues.push({ path: `${path}/0`, message: `longitude ${pos[0]} is out of range [-180, 180]` });
    ok = false;
  }
  if (pos[1] < -90 || pos[1] > 90) {
    issues.push({ path: `${path}/1`, message: `latitude ${pos[1]} is out of range [-90, 90]` });
    ok = false;
  }
  return ok;
}

function checkPolygon(rings: unknown, path: string, maxVertices: number, issues: GeofenceIssue[]): void {
  if (!Array.isArray(rings) || rings.length === 0) {
    issues.push({ path, message: 'a polygon is an array of linear rings (outer ring first, then holes)' });
    return;
  }
  const total = rings.reduce((n: number, r: unknown) => n + (Array.isArray(r) ? r.length : 0), 0);
  if (total > maxVertices) {
    issues.push({ path, message: `too many vertices: ${total} (at most ${maxVertices})` });
    return;
  }
  const before = issues.length;
  rings.forEach((ring: unknown, r: number) => {
    const ringPath = `${path}/${r}`;
    if (!Array.isArray(ring) || ring.length < 4) {
      issues.push({ path: ringPath, message: 'a linear ring needs at least 4 positions (3 corners and the first repeated)' });
      return;
    }
    if (!ring.map((pos, i) => checkPosition(pos, `${ringPath}/${i}`, issues)).every(Boolean)) return;
    const first = ring[0] as number[];
    const last = ring[ring.length - 1] as number[];
    if (first[0] !== last[0] || first[1] !== last[1]) {
      issues.push({ path: ringPath, message: `ring is not closed: the last position [${last.join(', ')}] must equal the first [${first.join(', ')}]` });
    }
  });
  if (issues.length > before) return;
  const coords = rings as number[][][];
  for (const [r, ring] of coords.entries()) {
    const i = ring.findIndex((pos, k) => k > 0 && Math.abs(pos[0] - ring[k - 1][0]) > 180);
    if (i > 0) {
      issues.push({
        path: `${path}/${r}/${i}`,
        message:
          `the edge from [${ring[i - 1].join(', ')}] to [${ring[i].join(', ')}] crosses the antimeridian: split the polygon at longitude 180 ` +
          'into a MultiPolygon with one part east of it (longitudes up to 180) and one west of it (from -180), as RFC 7946 section 3.1.9 asks',
      });
      return;
    }
  }
  // Kinks: any two edges of any rings crossing (a bow-tie, a hole crossing the outer ring).
  const crossings = kinks(turfPolygon(coords)).features;
  if (crossings.length > 0) {
    const at = crossings[0].geometry.coordinates;
    issues.push({ path, message: `polygon intersects itself at [${at[0].toFixed(6)}, ${at[1].toFixed(6)}] (${crossings.length} crossing${crossings.length > 1 ? 's' : ''})` });
    return;
  }
  const outer = turfPolygon([coords[0]]);
  for (let h = 1; h < coords.length; h++) {
    if (!booleanPointInPolygon(coords[h][0], outer, { ignoreBoundary: true })) issues.push({ path: `${path}/${h}`, message: 'a hole must lie inside its outer ring' });
  }
}

/** Drops altitudes so that stored geometry is 2D [lon, lat]. */
function normaliseGeometry(g: GeofenceGeometry): GeofenceGeometry {
  const pos = (p: number[]): LonLat => [p[0], p[1]];
  switch (g.type) {
    case 'Circle':
      return { type: 'Circle', center: pos(g.center), radiusMeters: g.radiusMeters };
    case 'Polygon':
      return { type: 'Polygon', coordinates: g.coordinates.map((ring) => ring.map(pos)) };
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: g.coordinates.map((poly) => poly.map((ring) => ring.map(pos))) };
  }
}

/** Whether a fence applies to a device: the one target rule of docs/decisions/0107 (listed id, or every listed tag). */
export function targets(target: GeofenceTarget | undefined, deviceId: string, deviceTags: readonly string[] | undefined): boolean {
  return targetsDevice(target, deviceId, deviceTags);
}
