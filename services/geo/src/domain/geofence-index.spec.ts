import type { Geofence, GeofenceGeometry } from '@geopulse/contracts';
import { GeofenceIndex } from './geofence-index';
import { FenceShape } from './fence-shape';
import { metersToDegrees } from './geo-math';

function fence(id: string, geometry: GeofenceGeometry, extra: Partial<Geofence> = {}): Geofence {
  return { id, tenantId: 't1', name: id, geometry, version: 1, createdAt: '', updatedAt: '', ...extra };
}

// A concave "U": two prongs joined at the bottom; the notch between them is outside.
const U: GeofenceGeometry = {
  type: 'Polygon',
  coordinates: [[[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]],
};
const DONUT: GeofenceGeometry = {
  type: 'Polygon',
  coordinates: [
    [[10, 0], [13, 0], [13, 3], [10, 3], [10, 0]],
    [[11, 1], [12, 1], [12, 2], [11, 2], [11, 1]],
  ],
};

describe('FenceShape', () => {
  it('handles a concave polygon: the notch is outside', () => {
    const s = new FenceShape(U);
    expect(s.contains({ lon: 0.5, lat: 2 })).toBe(true);
    expect(s.contains({ lon: 1.5, lat: 2 })).toBe(false);
    expect(s.contains({ lon: 1.5, lat: 0.5 })).toBe(true);
  });

  it('handles holes: inside the hole is outside the fence', () => {
    const s = new FenceShape(DONUT);
    expect(s.contains({ lon: 10.5, lat: 1.5 })).toBe(true);
    expect(s.contains({ lon: 11.5, lat: 1.5 })).toBe(false);
  });

  it('counts a point exactly on an edge or a vertex as inside with no band, uncertain with any band', () => {
    const s = new FenceShape(U);
    for (const p of [{ lon: 0, lat: 1.5 }, { lon: 3, lat: 3 }, { lon: 1.5, lat: 1 }]) {
      expect(s.observe(p, 0)).toBe('inside');
      expect(s.observe(p, 0.01)).toBe('uncertain');
    }
    const c = new FenceShape({ type: 'Circle', center: [4.9, 52.37], radiusMeters: 100 });
    const { dLat } = metersToDegrees(100, 52.37);
    expect(c.observe({ lon: 4.9, lat: 52.37 + dLat * 0.999999 }, 0)).toBe('inside');
    expect(c.observe({ lon: 4.9, lat: 52.37 + dLat * 1.01 }, 0)).toBe('outside');
    expect(c.observe({ lon: 4.9, lat: 52.37 + dLat * 1.01 }, 5)).toBe('uncertain');
  });

  it('is uncertain when the accuracy circle straddles the boundary and certain beyond it', () => {
    const s = new FenceShape({ type: 'Polygon', coordinates: [[[4.8, 52.3], [4.9, 52.3], [4.9, 52.4], [4.8, 52.4], [4.8, 52.3]]] });
    const { dLat } = metersToDegrees(10, 52.4);
    expect(s.observe({ lon: 4.85, lat: 52.4 - dLat }, 12)).toBe('uncertain');
    expect(s.observe({ lon: 4.85, lat: 52.4 - dLat }, 8)).toBe('inside');
    expect(s.observe({ lon: 4.85, lat: 52.4 + dLat }, 8)).toBe('outside');
  });
});

describe('GeofenceIndex', () => {
  it('finds fences on both sides of the antimeridian: a split polygon and a circle reaching across it', () => {
    const index = new GeofenceIndex();
    const split: GeofenceGeometry = {
      type: 'MultiPolygon',
      coordinates: [[[[179, 10], [180, 10], [180, 12], [179, 12], [179, 10]]], [[[-180, 10], [-179, 10], [-179, 12], [-180, 12], [-180, 10]]]],
    };
    index.upsert(fence('pacific', split));
    index.upsert(fence('dateline-circle', { type: 'Circle', center: [179.99, -20], radiusMeters: 5000 }));
    const ids = (lon: number, lat: number) => index.containing('t1', { lon, lat }).map((f) => f.id);
    expect(ids(179.5, 11)).toEqual(['pacific']);
    expect(ids(-179.5, 11)).toEqual(['pacific']);
    expect(ids(0, 11)).toEqual([]);
    expect(ids(178.5, 11)).toEqual([]);
    // Metres from the cut at 180° on either side: inside, not uncertain (the seam is no boundary);
    // metres from a real edge, across 180°: uncertain.
    expect(index.observe('t1', { lon: 179.99999, lat: 11 }, 5).map((o) => o.observation)).toEqual(['inside']);
    expect(index.observe('t1', { lon: -179.99999, lat: 11 }, 5).map((o) => o.observation)).toEqual(['inside']);
    expect(index.observe('t1', { lon: -179.99999, lat: 10.00001 }, 5).map((o) => o.observation)).toEqual(['uncertain']);
    // 0.02° east of the centre across 180° is about 2.1 km away: inside; 0.1° (10.5 km) is not.
    expect(ids(-179.99, -20)).toEqual(['dateline-circle']);
    expect(ids(-179.9, -20)).toEqual([]);
    expect(index.observe('t1', { lon: -179.98, lat: -20 }, 5).map((o) => [o.fence.id, o.observation])).toEqual([['dateline-circle', 'inside']]);
    index.remove('t1', 'dateline-circle');
    expect(ids(-179.99, -20)).toEqual([]);
  });

  it('finds MultiPolygon, circle and polygon fences containing a point, per tenant', () => {
    const index = new GeofenceIndex();
    index.upsert(fence('u', U));
    index.upsert(fence('multi', { type: 'MultiPolygon', coordinates: [[[[20, 0], [21, 0], [21, 1], [20, 0]]], [[[30, 0], [31, 0], [31, 1], [30, 0]]]] }));
    index.upsert(fence('circle', { type: 'Circle', center: [0.5, 0.5], radiusMeters: 1000 }));
    index.upsert(fence('other-tenant', U, { tenantId: 't2' }));
    expect(index.containing('t1', { lon: 0.5, lat: 0.5 }).map((f) => f.id).sort()).toEqual(['circle', 'u']);
    expect(index.containing('t1', { lon: 30.9, lat: 0.1 }).map((f) => f.id)).toEqual(['multi']);
    expect(index.containing('t1', { lon: 25, lat: 0.1 })).toEqual([]);
    expect(index.size()).toBe(4);
  });

  it('updates incrementally: a newer version moves the fence, an older one is ignored, removal forgets it', () => {
    const index = new GeofenceIndex();
    index.upsert(fence('f', U, { version: 2 }));
    expect(index.upsert(fence('f', DONUT, { version: 1 }))).toBe(false);
    expect(index.containing('t1', { lon: 0.5, lat: 0.5 }).map((f) => f.id)).toEqual(['f']);
    expect(index.upsert(fence('f', DONUT, { version: 3 }))).toBe(true);
    expect(index.containing('t1', { lon: 0.5, lat: 0.5 })).toEqual([]);
    expect(index.containing('t1', { lon: 10.5, lat: 0.5 }).map((f) => f.id)).toEqual(['f']);
    expect(index.size()).toBe(1);
    expect(index.remove('t1', 'f')?.version).toBe(3);
    expect(index.containing('t1', { lon: 10.5, lat: 0.5 })).toEqual([]);
    expect(index.size()).toBe(0);
  });

  it('bulk-loads and reports fences near the point as uncertain, even just outside their box', () => {
    const index = new GeofenceIndex();
    index.load([fence('a', U), fence('b', DONUT)]);
    const { dLon } = metersToDegrees(5, 1.5);
    expect(index.observe('t1', { lon: 3 + dLon, lat: 1.5 }, 10)).toEqual([expect.objectContaining({ observation: 'uncertain' })]);
    expect(index.observe('t1', { lon: 3 + dLon, lat: 1.5 }, 2)).toEqual([]);
    expect(index.observe('t1', { lon: 0.5, lat: 1.5 }, 2).map((o) => [o.fence.id, o.observation])).toEqual([['a', 'inside']]);
  });
});
