import { parseNearbyQuery } from './nearby-query';

describe('parseNearbyQuery', () => {
  it('parses a query and defaults the limit to 100', () => {
    expect(parseNearbyQuery({ lat: '52.37', lon: '4.89', radius: '500' })).toEqual({ ok: true, query: { lat: 52.37, lon: 4.89, radiusMeters: 500, limit: 100 } });
  });

  it('lists every problem with its parameter', () => {
    const result = parseNearbyQuery({ lat: '91', lon: 'x', limit: '0' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((i) => i.path)).toEqual(['lat', 'lon', 'radius', 'limit']);
    }
  });
});
