import type { NearbyQuery } from '../application/apply-readings';

export interface QueryIssue {
  path: string;
  message: string;
}

export const MAX_NEARBY_RADIUS_M = 1_000_000;
export const MAX_NEARBY_LIMIT = 1000;

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

/** Validates `?lat=&lon=&radius=&limit=`; returns the query or every problem. */
export function parseNearbyQuery(params: Record<string, string | undefined>): { ok: true; query: NearbyQuery } | { ok: false; issues: QueryIssue[] } {
  const issues: QueryIssue[] = [];
  const lat = numberParam(params.lat, 'lat', -90, 90, issues);
  const lon = numberParam(params.lon, 'lon', -180, 180, issues);
  const radiusMeters = numberParam(params.radius, 'radius', 0, MAX_NEARBY_RADIUS_M, issues);
  const limit = numberParam(params.limit, 'limit', 1, MAX_NEARBY_LIMIT, issues, 100);
  if (!Number.isInteger(limit) && Number.isFinite(limit)) issues.push({ path: 'limit', message: 'must be a whole number' });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, query: { lat, lon, radiusMeters, limit } };
}
