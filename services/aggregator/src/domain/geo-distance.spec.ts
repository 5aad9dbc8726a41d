import { coveringSearchBox, haversineMeters, inBox } from './geo-distance';

describe('haversineMeters', () => {
  it('is zero for one point and about 111.2 km per degree of latitude', () => {
    expect(haversineMeters({ lat: 52, lon: 4 }, { lat: 52, lon: 4 })).toBe(0);
    expect(haversineMeters({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111_226, -1);
  });
});

describe('coveringSearchBox', () => {
  it('covers every corner of the box from its centre', () => {
    const box = { minLon: 4.8, minLat: 52.3, maxLon: 5.0, maxLat: 52.4 };
    const search = coveringSearchBox(box);
    for (const corner of [
      { lat: box.minLat, lon: box.minLon },
      { lat: box.maxLat, lon: box.maxLon },
    ]) {
      const ew = haversineMeters({ lat: corner.lat, lon: search.lon }, corner);
      const ns = haversineMeters({ lat: search.lat, lon: corner.lon }, corner);
      expect(ew).toBeLessThan(search.widthM / 2);
      expect(ns).toBeLessThan(search.heightM / 2);
    }
  });

  it('uses the equator for the width when the box spans it', () => {
    const search = coveringSearchBox({ minLon: -1, minLat: -1, maxLon: 1, maxLat: 1 });
    expect(search.widthM).toBeCloseTo(2 * haversineMeters({ lat: 0, lon: 0 }, { lat: 0, lon: 1 }) + 20, 0);
    expect(inBox({ minLon: -1, minLat: -1, maxLon: 1, maxLat: 1 }, { lat: 1, lon: -1 })).toBe(true);
  });
});
