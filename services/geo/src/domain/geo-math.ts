/** Small spherical helpers in metres. Plain numbers in, plain numbers out. */

export const EARTH_RADIUS_METERS = 6_371_008.8;
const RAD = Math.PI / 180;

export interface Point {
  lat: number;
  lon: number;
}

export interface BBox {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function haversineMeters(a: Point, b: Point): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Degrees of latitude / longitude that `meters` span at `lat` (longitude widened toward the poles). */
export function metersToDegrees(meters: number, lat: number): { dLat: number; dLon: number } {
  const dLat = meters / (EARTH_RADIUS_METERS * RAD);
  const cos = Math.max(Math.cos(Math.min(89.9, Math.abs(lat)) * RAD), 1e-6);
  return { dLat, dLon: Math.min(360, dLat / cos) };
}

export function expandBox(box: BBox, meters: number): BBox {
  if (meters <= 0) return box;
  const lat = Math.max(Math.abs(box.minY), Math.abs(box.maxY));
  const { dLat, dLon } = metersToDegrees(meters, lat);
  return { minX: box.minX - dLon, minY: box.minY - dLat, maxX: box.maxX + dLon, maxY: box.maxY + dLat };
}

/**
 * Shortest distance in metres from a point to the segments of rings ([lon, lat] positions),
 * in a local equirectangular projection around the point: exact enough (well under 0.1 %)
 * for the few-metre bands hysteresis needs on fences up to tens of kilometres. Longitude
 * differences wrap (an edge at 179.9999° is metres from a point at -179.9999°). With
 * `skipSeam`, edges lying on the antimeridian are not boundary: they are the cut of a shape
 * split there (RFC 7946), which continues on the other side.
 */
export function distanceToRingsMeters(p: Point, rings: ReadonlyArray<ReadonlyArray<readonly [number, number]>>, skipSeam = false): number {
  const kx = Math.cos(p.lat * RAD) * EARTH_RADIUS_METERS * RAD;
  const ky = EARTH_RADIUS_METERS * RAD;
  let best = Infinity;
  for (const ring of rings) {
    for (let i = 0; i + 1 < ring.length; i++) {
      if (skipSeam && Math.abs(ring[i][0]) === 180 && ring[i][0] === ring[i + 1][0]) continue;
      // The edge as it is (edges never cross the antimeridian), moved by whole turns next to the point.
      const ax = wrapLongitude(ring[i][0] - p.lon) * kx;
      const ay = (ring[i][1] - p.lat) * ky;
      const bx = ax + (ring[i + 1][0] - ring[i][0]) * kx;
      const by = (ring[i + 1][1] - p.lat) * ky;
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
      const cx = ax + t * dx;
      const cy = ay + t * dy;
      const d = Math.sqrt(cx * cx + cy * cy);
      if (d < best) best = d;
    }
  }
  return best;
}

/** Longitude folded into [-180, 180). */
export function wrapLongitude(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/** Initial bearing (degrees clockwise from north, [0, 360)) of the great circle from `a` to `b`. */
export function initialBearingDegrees(a: Point, b: Point): number {
  const phi1 = a.lat * RAD;
  const phi2 = b.lat * RAD;
  const dLam = (b.lon - a.lon) * RAD;
  const y = Math.sin(dLam) * Math.cos(phi2);
  const x = Math.cos(phi1) * Math.sin(phi2) - Math.sin(phi1) * Math.cos(phi2) * Math.cos(dLam);
  return ((Math.atan2(y, x) / RAD) % 360 + 360) % 360;
}

/** Bearing on arrival at `b` along the great circle from `a` (the heading a device keeps going on). */
export function finalBearingDegrees(a: Point, b: Point): number {
  return (initialBearingDegrees(b, a) + 180) % 360;
}

/** The point `meters` along the great circle leaving `p` at `bearing` degrees. */
export function destination(p: Point, bearing: number, meters: number): Point {
  const delta = meters / EARTH_RADIUS_METERS;
  const theta = bearing * RAD;
  const phi1 = p.lat * RAD;
  const lam1 = p.lon * RAD;
  const sinPhi2 = Math.sin(phi1) * Math.cos(delta) + Math.cos(phi1) * Math.sin(delta) * Math.cos(theta);
  const phi2 = Math.asin(Math.max(-1, Math.min(1, sinPhi2)));
  const lam2 = lam1 + Math.atan2(Math.sin(theta) * Math.sin(delta) * Math.cos(phi1), Math.cos(delta) - Math.sin(phi1) * sinPhi2);
  return { lat: phi2 / RAD, lon: wrapLongitude(lam2 / RAD) };
}
