import { matches, parseStreamFilter, type StreamFilter } from './stream-filter';
import type { LiveEvent } from './stream-event';

const filter = (q: Parameters<typeof parseStreamFilter>[0]): StreamFilter => {
  const r = parseStreamFilter(q);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.filter;
};
const event = (over: Partial<LiveEvent> = {}): LiveEvent => ({ type: 'position', tenantId: 't', deviceId: 'd1', position: { lat: 52.37, lon: 4.89 }, data: {}, ...over });

describe('stream filter', () => {
  it('passes everything without parameters', () => {
    expect(matches(filter({}), event())).toBe(true);
    expect(matches(filter({}), event({ type: 'alert', position: undefined }))).toBe(true);
  });

  it('keeps the listed types, devices and the bbox', () => {
    expect(matches(filter({ types: 'alert,geofence' }), event())).toBe(false);
    expect(matches(filter({ types: 'alert,geofence' }), event({ type: 'geofence' }))).toBe(true);
    expect(matches(filter({ deviceIds: 'd2, d3' }), event())).toBe(false);
    expect(matches(filter({ deviceIds: 'd1' }), event())).toBe(true);
    expect(matches(filter({ bbox: '4.8,52.3,5.0,52.4' }), event())).toBe(true);
    expect(matches(filter({ bbox: '4.9,52.3,5.0,52.4' }), event())).toBe(false);
    // Without a position an event cannot be inside a bbox.
    expect(matches(filter({ bbox: '4.8,52.3,5.0,52.4' }), event({ type: 'alert', position: undefined }))).toBe(false);
  });

  it('needs every listed registry tag', () => {
    const f = filter({ tags: 'fleet:vans,city:ams' });
    expect(matches(f, event(), ['fleet:vans'])).toBe(false);
    expect(matches(f, event(), ['city:ams', 'fleet:vans', 'x'])).toBe(true);
  });

  it('names every bad parameter', () => {
    const r = parseStreamFilter({ types: 'position,bogus', deviceIds: '../x', tags: ' ', bbox: '5,52,4,53' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual(['types', 'deviceIds', 'bbox']);
    expect(parseStreamFilter({ bbox: '1,2,3' }).ok).toBe(false);
    expect(parseStreamFilter({ bbox: 'NaN,1,2,3' }).ok).toBe(false);
    expect(parseStreamFilter({ deviceIds: Array.from({ length: 101 }, (_, i) => `d${i}`).join(',') }).ok).toBe(false);
  });
});
