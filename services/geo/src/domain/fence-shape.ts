import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { GeofenceGeometry } from '@geopulse/contracts';
import { distanceToRingsMeters, expandBox, haversineMeters, type BBox, type Point } from './geo-math';

/** Where a position is relative to a fence, given the uncertainty band around it. */
export type Observation = 'inside' | 'outside' | 'uncertain';

/**
 * A fence geometry prepared for queries: its bounding box, exact containment (robust
 * point-in-polygon from Turf, holes and MultiPolygons included; haversine for circles), and
 * the distance to its boundary for hysteresis.
 *
 * Points exactly on an edge or a vertex count as inside (Turf's default, and a circle's
 * boundary is inside too), but with any uncertainty band (an accuracy, or the service's
 * minimum hysteresis) such a point is `uncertain`: it never changes membership.
 */
export class FenceShape {
  readonly box: BBox;
  private readonly feature?: Feature<Polygon | MultiPolygon>;
  private readonly rings: Array<Array<[number, number]>>;
  /** A MultiPolygon cut at the antimeridian (vertices on both +180 and -180): its seam edges are no boundary. */
  private readonly splitAtAntimeridian: boolean;

  constructor(readonly geometry: GeofenceGeometry) {
    if (geometry.type === 'Circle') {
      const [lon, lat] = geometry.center;
      this.box = expandBox({ minX: lon, minY: lat, maxX: lon, maxY: lat }, geometry.radiusMeters);
      this.rings = [];
      this.splitAtAntimeridian = false;
    } else {
      this.rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      // Outer rings bound the shape; holes lie inside them.
      for (const ring of this.rings) {
        for (const [x, y] of ring) {
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
          if (y < minY) minY = y;
          if (y > maxY) maxY = y;
        }
      }
      this.box = { minX, minY, maxX, maxY };
      this.splitAtAntimeridian = geometry.type === 'MultiPolygon' && minX === -180 && maxX === 180;
      this.feature = { type: 'Feature', bbox: [minX, minY, maxX, maxY], properties: {}, geometry: geometry as Polygon | MultiPolygon };
    }
  }

  contains(p: Point): boolean {
    if (this.geometry.type === 'Circle') {
      const [lon, lat] = this.geometry.center;
      return haversineMeters({ lat, lon }, p) <= this.geometry.radiusMeters;
    }
    if (p.lon < this.box.minX || p.lon > this.box.maxX || p.lat < this.box.minY || p.lat > this.box.maxY) return false;
    return booleanPointInPolygon([p.lon, p.lat], this.feature!);
  }

  distanceToBoundaryMeters(p: Point): number {
    if (this.geometry.type === 'Circle') {
      const [lon, lat] = this.geometry.center;
      return Math.abs(haversineMeters({ lat, lon }, p) - this.geometry.radiusMeters);
    }
    return distanceToRingsMeters(p, this.rings, this.splitAtAntimeridian);
  }

  /** `uncertain` when the boundary lies within `bandMeters` of the point (the accuracy circle straddles it). */
  observe(p: Point, bandMeters: number): Observation {
    if (bandMeters > 0 && this.distanceToBoundaryMeters(p) < bandMeters) return 'uncertain';
    return this.contains(p) ? 'inside' : 'outside';
  }

  vertexCount(): number {
    return this.rings.reduce((n, r) => n + r.length, 0);
  }
}
