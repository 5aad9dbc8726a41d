/** The Earth radius Redis uses for its GEO commands, so our distances match its answers. */
export const EARTH_RADIUS_M = 6372797.560856;

export interface LatLon {
  lat: number;
  lon: number;
}

/** Great-circle distance in metres (haversine). */
export function haversineMeters(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface BoundingBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export function inBox(box: BoundingBox, p: LatLon): boolean {
  return p.lon >= box.minLon && p.lon <= box.maxLon && p.lat >= box.minLat && p.lat <= box.maxLat;
}

/**
 * A centre and a width/height in metres whose Redis BYBOX search covers the whole bounding
 * box (Redis measures a point's east-west offset along the point's own latitude, widest
 * nearest the equator); callers then keep exactly the points inside the box.
 */
export function coveringSearchBox(box: BoundingBox, marginM = 10): { lat: number; lon: number; widthM: number; heightM: number } {
  const lat = (box.minLat + box.maxLat) / 2;
  const lon = (box.minLon + box.maxLon) / 2;
  const widestLat = box.minLat <= 0 && box.maxLat >= 0 ? 0 : Math.min(Math.abs(box.minLat), Math.abs(box.maxLat));
  const halfWidth = haversineMeters({ lat: widestLat, lon }, { lat: widestLat, lon: box.maxLon });
  const halfHeight = haversineMeters({ lat, lon }, { lat: box.maxLat, lon });
  return { lat, lon, widthM: 2 * (halfWidth + marginM), heightM: 2 * (halfHeight + marginM) };
}
