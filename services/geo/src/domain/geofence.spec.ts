import { targets, validateGeofence } from './geofence';

const newId = () => 'generated';
const square = [[[4.88, 52.36], [4.9, 52.36], [4.9, 52.38], [4.88, 52.38], [4.88, 52.36]]];
const check = (raw: unknown) => validateGeofence(raw, { newId });
const issues = (raw: unknown) => {
  const r = check(raw);
  return r.ok ? [] : r.issues;
};

describe('validateGeofence', () => {
  it('accepts a polygon with a hole, a MultiPolygon and a circle', () => {
    const hole = [[4.885, 52.365], [4.895, 52.365], [4.895, 52.375], [4.885, 52.365]];
    expect(check({ name: 'a', geometry: { type: 'Polygon', coordinates: [...square, hole] }, dwellSeconds: 60 })).toMatchObject({ ok: true, input: { id: 'generated', dwellSeconds: 60 } });
    expect(check({ id: 'm', name: 'm', geometry: { type: 'MultiPolygon', coordinates: [square, [[[5, 52], [5.1, 52], [5.1, 52.1], [5, 52]]]] } }).ok).toBe(true);
    expect(check({ name: 'c', geometry: { type: 'Circle', center: [4.9, 52.37], radiusMeters: 200 } }).ok).toBe(true);
  });

  it('drops altitudes from positions', () => {
    const r = check({ name: 'a', geometry: { type: 'Polygon', coordinates: [square[0].map(([x, y]) => [x, y, 5])] } });
    expect(r.ok && r.input.geometry.type === 'Polygon' && r.input.geometry.coordinates[0][0]).toEqual([4.88, 52.36]);
  });

  it('refuses a polygon crossing the antimeridian, saying how to split it, and accepts it split', () => {
    const crossing = [[[179, 10], [-179, 10], [-179, 12], [179, 12], [179, 10]]];
    const refused = issues({ name: 'pacific', geometry: { type: 'Polygon', coordinates: crossing } });
    expect(refused).toHaveLength(1);
    expect(refused[0].path).toBe('/geometry/coordinates/0/1');
    expect(refused[0].message).toMatch(/^the edge from \[179, 10\] to \[-179, 10\] crosses the antimeridian: split the polygon at longitude 180 into a MultiPolygon/);
    const split = [
      [[[179, 10], [180, 10], [180, 12], [179, 12], [179, 10]]],
      [[[-180, 10], [-179, 10], [-179, 12], [-180, 12], [-180, 10]]],
    ];
    expect(check({ name: 'pacific', geometry: { type: 'MultiPolygon', coordinates: split } }).ok).toBe(true);
    expect(issues({ name: 'p', geometry: { type: 'MultiPolygon', coordinates: [split[0], crossing] } })[0].path).toBe('/geometry/coordinates/1/0/1');
  });

  it('rejects an unclosed ring naming the ring and both ends', () => {
    expect(issues({ name: 'a', geometry: { type: 'Polygon', coordinates: [square[0].slice(0, 4)] } })).toEqual([
      { path: '/geometry/coordinates/0', message: 'ring is not closed: the last position [4.88, 52.38] must equal the first [4.88, 52.36]' },
    ]);
  });

  it('rejects out-of-range coordinates with their path', () => {
    expect(issues({ name: 'a', geometry: { type: 'Polygon', coordinates: [[[4, 52], [200, 52], [4, 95], [4, 52]]] } })).toEqual([
      { path: '/geometry/coordinates/0/1/0', message: 'longitude 200 is out of range [-180, 180]' },
      { path: '/geometry/coordinates/0/2/1', message: 'latitude 95 is out of range [-90, 90]' },
    ]);
    expect(issues({ name: 'c', geometry: { type: 'Circle', center: [4, -91], radiusMeters: 5 } }).map((i) => i.path)).toEqual(['/geometry/center/1']);
  });

  it('rejects a self-intersecting (bow-tie) ring and a hole crossing its outer ring', () => {
    const bowTie = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]];
    expect(issues({ name: 'a', geometry: { type: 'Polygon', coordinates: bowTie } })[0].message).toMatch(/^polygon intersects itself at \[0\.500000, 0\.500000\]/);
    const crossingHole = [[4.885, 52.365], [4.95, 52.365], [4.95, 52.375], [4.885, 52.365]];
    expect(issues({ name: 'a', geometry: { type: 'Polygon', coordinates: [...square, crossingHole] } })[0].message).toMatch(/intersects itself/);
    const outsideHole = [[5, 53], [5.1, 53], [5.1, 53.1], [5, 53]];
    expect(issues({ name: 'a', geometry: { type: 'Polygon', coordinates: [...square, outsideHole] } })).toEqual([
      { path: '/geometry/coordinates/1', message: 'a hole must lie inside its outer ring' },
    ]);
  });

  it('rejects too many vertices, too few positions and a bad radius', () => {
    const ring = Array.from({ length: 10_001 }, (_, i) => [Math.cos((i / 10_000) * 2 * Math.PI), Math.sin((i / 10_000) * 2 * Math.PI)]);
    expect(issues({ name: 'a', geometry: { type: 'Polygon', coordinates: [ring] } })[0].message).toBe('too many vertices: 10001 (at most 10000)');
    expect(issues({ name: 'a', geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [0, 0]]] } })[0].message).toMatch(/at least 4 positions/);
    for (const radiusMeters of [0, -5, Number.NaN, 1e9, '200']) {
      expect(issues({ name: 'c', geometry: { type: 'Circle', center: [4, 52], radiusMeters } }).map((i) => i.path)).toEqual(['/geometry/radiusMeters']);
    }
  });

  it('reports every problem at once', () => {
    expect(issues({ id: 'bad id', name: '', dwellSeconds: 0, extra: 1, geometry: { type: 'Point' }, target: { deviceIds: ['ok', 'not ok'] } }).map((i) => i.path)).toEqual([
      '/extra',
      '/id',
      '/name',
      '/dwellSeconds',
      '/target/deviceIds/1',
      '/geometry/type',
    ]);
  });

  it('takes the id from the URL and refuses a different one in the body', () => {
    expect(validateGeofence({ name: 'a', geometry: { type: 'Circle', center: [4, 52], radiusMeters: 5 } }, { id: 'url-id', newId })).toMatchObject({ ok: true, input: { id: 'url-id' } });
    expect(validateGeofence({ id: 'x', name: 'a', geometry: { type: 'Circle', center: [4, 52], radiusMeters: 5 } }, { id: 'url-id', newId }).ok).toBe(false);
  });
});

describe('targets', () => {
  it('applies to every device without a target, to listed ids, and to readings carrying every target tag as key:value', () => {
    expect(targets(undefined, 'd1', undefined)).toBe(true);
    expect(targets({ deviceIds: ['d1'] }, 'd1', undefined)).toBe(true);
    expect(targets({ deviceIds: ['d1'] }, 'd2', undefined)).toBe(false);
    expect(targets({ tags: { fleet: 'vans' } }, 'd1', undefined)).toBe(false);
    expect(targets({ tags: { fleet: 'vans' } }, 'd1', ['fleet:vans', 'x:y'])).toBe(true);
    expect(targets({ tags: { fleet: 'vans' } }, 'd1', ['fleet:cages'])).toBe(false);
    expect(targets({ deviceIds: ['d1'], tags: { fleet: 'vans' } }, 'd1', [])).toBe(true);
  });
});
