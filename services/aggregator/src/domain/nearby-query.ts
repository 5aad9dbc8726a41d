import type { BoundingBox } from './geo-distance';

export interface QueryIssue {
  path: string;
  message: string;
}

export interface NearbyQuery {
  lat: number;
  lon: number;
  radiusMeters: number;
  limit: number;
  /** Inline each device's latest state in the answer. */
  includeState: boolean;
  /** Only devices carrying every one of these registry tags (empty: no filter). */
  tags: string[];
}

export interface WithinQuery {
  box: BoundingBox;
  limit: number;
  includeState: boolean;
  tags: string[];
}

export const MAX_NEARBY_RADIUS_M = 1_000_000;
export const MAX_NEARBY_LIMIT = 1000;

type Parsed<Q> = { ok: true; query: Q } | { ok: false; issues: QueryIssue[] };

function numberParam(raw: string | undefined, path: string, min: number, max: number, issues: QueryIssue[], fallback?: number): number {
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    issues.push({ path, message: 'is required' });
    return NaN;
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) issues.push({ path, message: `must be a number, got "${raw}"` });
  else if (value < min || value > max) issues.push({ path, message: `must be between ${min} and ${max}, got ${value}` });
  return value;
}

function limitParam(raw: string | undefined, issues: QueryIssue[]): number {
  const limit = numberParam(raw, 'limit', 1, MAX_NEARBY_LIMIT, issues, 100);
  if (!Number.isInteger(limit) && Number.isFinite(limit)) issues.push({ path: 'limit', message: 'must be a whole number' });
  return limit;
}

const TAG = /^[^,\s][^,]{0,63}$/;

/** `tags=a,site:ams`: a comma-separated list of registry tags, all of which must match. */
function tagsParam(raw: string | undefined, issues: QueryIssue[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const tags = raw.split(',').map((t) => t.trim());
  tags.forEach((tag, i) => {
    if (!TAG.test(tag)) issues.push({ path: `tags/${i}`, message: 'tags are 1-64 characters without commas' });
  });
  if (tags.length > 10) issues.push({ path: 'tags', message: `at most 10 tags, got ${tags.length}` });
  return [...new Set(tags)];
}

function boolParam(raw: string | undefined, path: string, issues: QueryIssue[]): boolean {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  issues.push({ path, message: `must be true or false, got "${raw}"` });
  return false;
}

/** Validates `?lat=&lon=&radius=&limit=&includeState=`; returns the query or every problem. */
export function parseNearbyQuery(params: Record<string, string | undefined>): Parsed<NearbyQuery> {
  const issues: QueryIssue[] = [];
  const lat = numberParam(params.lat, 'lat', -90, 90, issues);
  const lon = numberParam(params.lon, 'lon', -180, 180, issues);
  const radiusMeters = numberParam(params.radius, 'radius', 0, MAX_NEARBY_RADIUS_M, issues);
  const limit = limitParam(params.limit, issues);
  const includeState = boolParam(params.includeState, 'includeState', issues);
  const tags = tagsParam(params.tags, issues);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, query: { lat, lon, radiusMeters, limit, includeState, tags } };
}

/** Validates `?bbox=minLon,minLat,maxLon,maxLat&limit=&includeState=`. */
export function parseWithinQuery(params: Record<string, string | undefined>): Parsed<WithinQuery> {
  const issues: QueryIssue[] = [];
  const parts = (params.bbox ?? '').split(',');
  let box: BoundingBox = { minLon: NaN, minLat: NaN, maxLon: NaN, maxLat: NaN };
  if (parts.length !== 4) {
    issues.push({ path: 'bbox', message: 'must be minLon,minLat,maxLon,maxLat' });
  } else {
    const [minLon, minLat, maxLon, maxLat] = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
    box = { minLon, minLat, maxLon, maxLat };
    if (![minLon, minLat, maxLon, maxLat].every(Number.isFinite)) issues.push({ path: 'bbox', message: 'every coordinate must be a number' });
    else if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90) issues.push({ path: 'bbox', message: 'longitudes are -180..180, latitudes -90..90' });
    else if (minLon > maxLon || minLat > maxLat) issues.push({ path: 'bbox', message: 'min must not exceed max (boxes across the antimeridian: query both halves)' });
  }
  const limit = limitParam(params.limit, issues);
  const includeState = boolParam(params.includeState, 'includeState', issues);
  const tags = tagsParam(params.tags, issues);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, query: { box, limit, includeState, tags } };
}
