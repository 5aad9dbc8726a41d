import { distanceToRingsMeters, expandBox, haversineMeters, metersToDegrees } from './geo-math';

describe('geo math', () => {
  it('measures one degree of latitude as about 111.2 km', () => {
    expect(haversineMeters({ lat: 52, lon: 4 }, { lat: 53, lon: 4 })).toBeCloseTo(111_195, -1);
  });

  it('measures the distance to the nearest edge of a ring, and to a vertex beyond the edges', () => {
    const square: Array<[number, number]> = [[4, 52], [4.01, 52], [4.01, 52.01], [4, 52.01], [4, 52]];
    const { dLat } = metersToDegrees(10, 52);
    expect(distanceToRingsMeters({ lat: 52 + dLat, lon: 4.005 }, [square])).toBeCloseTo(10, 3);
    expect(distanceToRingsMeters({ lat: 52 - dLat, lon: 4 - 0 }, [square])).toBeCloseTo(10, 3);
    expect(distanceToRingsMeters({ lat: 52, lon: 4.005 }, [square])).toBe(0);
  });

  it('widens a box by metres in both directions', () => {
    const box = expandBox({ minX: 4, minY: 52, maxX: 4.1, maxY: 52.1 }, 1000);
    expect(box.minY).toBeCloseTo(52 - 0.008993, 5);
    expect(box.maxX - 4.1).toBeGreaterThan(0.008993);
  });
});
