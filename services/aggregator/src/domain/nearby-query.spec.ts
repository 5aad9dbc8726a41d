import { parseNearbyQuery, parseWithinQuery } from './nearby-query';

describe('parseNearbyQuery', () => {
  it('parses a query and defaults the limit to 100 and state to off', () => {
    expect(parseNearbyQuery({ lat: '52.37', lon: '4.89', radius: '500' })).toEqual({
      ok: true,
      query: { lat: 52.37, lon: 4.89, radiusMeters: 500, limit: 100, includeState: false, tags: [] },
    });
    expect(parseNearbyQuery({ lat: '52.37', lon: '4.89', radius: '500', includeState: 'true' })).toMatchObject({ ok: true, query: { includeState: true } });
  });

  it('lists every problem with its parameter', () => {
    const result = parseNearbyQuery({ lat: '91', lon: 'x', limit: '0', includeState: 'yes' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((i) => i.path)).toEqual(['lat', 'lon', 'radius', 'limit', 'includeState']);
    }
  });
});

describe('parseWithinQuery', () => {
  it('parses minLon,minLat,maxLon,maxLat', () => {
    expect(parseWithinQuery({ bbox: '4.8,52.3,5,52.4', limit: '10' })).toEqual({
      ok: true,
      query: { box: { minLon: 4.8, minLat: 52.3, maxLon: 5, maxLat: 52.4 }, limit: 10, includeState: false, tags: [] },
    });
  });

  it.each([[undefined], ['1,2,3'], ['a,1,2,3'], ['5,52,4,53'], ['-181,0,0,1'], ['1,,2,3']])('rejects bbox=%s', (bbox) => {
    const result = parseWithinQuery({ bbox });
    expect(result).toMatchObject({ ok: false, issues: [expect.objectContaining({ path: 'bbox' })] });
  });

  it('parses a tags filter and rejects empty or oversized tags', () => {
    expect(parseNearbyQuery({ lat: '1', lon: '2', radius: '3', tags: 'fleet-a, site:ams,fleet-a' })).toMatchObject({ ok: true, query: { tags: ['fleet-a', 'site:ams'] } });
    const bad = parseNearbyQuery({ lat: '1', lon: '2', radius: '3', tags: 'ok,,' + 'x'.repeat(65) });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path)).toEqual(['tags/1', 'tags/2']);
  });
});
