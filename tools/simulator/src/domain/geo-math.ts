/** Small-area geometry on the WGS84 sphere: good to centimetres over a city. */

export interface BoundingBox {
  minLat: number;
  minLon: number;
  maxLat: number;
  maxLon: number;
}

export interface LatLon {
  lat: number;
  lon: number;
}

/** Central Amsterdam: Jordaan and the canal ring to Oosterdok, Vondelpark to the Amstel. */
export const CENTRAL_AMSTERDAM: BoundingBox = { minLat: 52.355, minLon: 4.87, maxLat: 52.385, maxLon: 4.925 };

const METERS_PER_DEGREE_LAT = 111_320;

function metersPerDegreeLon(lat: number): number {
  return METERS_PER_DEGREE_LAT * Math.cos((lat * Math.PI) / 180);
}

export function center(box: BoundingBox): LatLon {
  return { lat: (box.minLat + box.maxLat) / 2, lon: (box.minLon + box.maxLon) / 2 };
}

export function contains(box: BoundingBox, point: LatLon): boolean {
  return point.lat >= box.minLat && point.lat <= box.maxLat && point.lon >= box.minLon && point.lon <= box.maxLon;
}

export function clampTo(box: BoundingBox, point: LatLon): LatLon {
  return {
    lat: Math.min(box.maxLat, Math.max(box.minLat, point.lat)),
    lon: Math.min(box.maxLon, Math.max(box.minLon, point.lon)),
  };
}

/** Normalises a compass heading to [0, 360). */
export function normalizeHeading(degrees: number): number {
  const h = degrees % 360;
  return h < 0 ? h + 360 : h;
}

/** The point `meters` away from `from` along the compass `heading` (0 = north, 90 = east). */
export function moveBy(from: LatLon, heading: number, meters: number): LatLon {
  const rad = (heading * Math.PI) / 180;
  return {
    lat: from.lat + (meters * Math.cos(rad)) / METERS_PER_DEGREE_LAT,
    lon: from.lon + (meters * Math.sin(rad)) / metersPerDegreeLon(from.lat),
  };
}

/** Shifts a point by metres north and east (GPS noise). */
export function offsetBy(from: LatLon, northMeters: number, eastMeters: number): LatLon {
  return { lat: from.lat + northMeters / METERS_PER_DEGREE_LAT, lon: from.lon + eastMeters / metersPerDegreeLon(from.lat) };
}

/** Compass bearing from one point to another, in [0, 360). */
export function bearing(from: LatLon, to: LatLon): number {
  const north = (to.lat - from.lat) * METERS_PER_DEGREE_LAT;
  const east = (to.lon - from.lon) * metersPerDegreeLon(from.lat);
  return normalizeHeading((Math.atan2(east, north) * 180) / Math.PI);
}

/** Distance in metres (equirectangular; fine within a city). */
export function distanceMeters(a: LatLon, b: LatLon): number {
  const north = (b.lat - a.lat) * METERS_PER_DEGREE_LAT;
  const east = (b.lon - a.lon) * metersPerDegreeLon((a.lat + b.lat) / 2);
  return Math.hypot(north, east);
}

/** A uniformly random point inside the box, `marginMeters` away from its edges. */
export function randomPointIn(box: BoundingBox, next: () => number, marginMeters = 0): LatLon {
  const dLat = marginMeters / METERS_PER_DEGREE_LAT;
  const dLon = marginMeters / metersPerDegreeLon((box.minLat + box.maxLat) / 2);
  return {
    lat: box.minLat + dLat + (box.maxLat - box.minLat - 2 * dLat) * next(),
    lon: box.minLon + dLon + (box.maxLon - box.minLon - 2 * dLon) * next(),
  };
}
