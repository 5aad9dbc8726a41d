import type { DeviceStateStore, LocatedDevice } from './apply-readings';
import { LocateDevices } from './locate-devices';

const located = (deviceId: string, distanceMeters: number): LocatedDevice => ({ deviceId, distanceMeters, lat: 0, lon: 0 });

function setup(tagsById: Record<string, string[]>) {
  const nearest = Object.keys(tagsById).map((id, i) => located(id, i * 10));
  const limits: number[] = [];
  const store = {
    nearby: async (_t: string, q: { limit: number }) => {
      limits.push(q.limit);
      return nearest.slice(0, q.limit);
    },
    within: async (_t: string, q: { limit: number }) => nearest.slice(0, q.limit),
    get: async (_t: string, id: string) => ({ tenantId: 't', deviceId: id, ts: 'x', receivedAt: 'x', readingId: id }),
    applyNewest: async () => {
      throw new Error('not used');
    },
  } as unknown as DeviceStateStore;
  const lookups: string[] = [];
  const tags = {
    tagsOf: async (_t: string, id: string) => {
      lookups.push(id);
      return tagsById[id] ?? [];
    },
  };
  return { sut: new LocateDevices(store, tags, () => 0), limits, lookups };
}

const query = { lat: 0, lon: 0, radiusMeters: 100, limit: 2, includeState: false };

describe('LocateDevices', () => {
  it('passes an untagged query straight to the store', async () => {
    const { sut, limits, lookups } = setup({ a: [], b: [] });
    expect((await sut.nearby('t', { ...query, tags: [] })).map((d) => d.deviceId)).toEqual(['a', 'b']);
    expect(limits).toEqual([2]);
    expect(lookups).toEqual([]);
  });

  it('keeps the nearest devices carrying every tag, up to the limit, reading few registry entries', async () => {
    const { sut, lookups } = setup({ a: ['fleet'], b: ['fleet', 'site:ams'], c: [], d: ['site:ams', 'fleet'], e: ['fleet', 'site:ams'], f: [] });
    const found = await sut.nearby('t', { ...query, tags: ['fleet', 'site:ams'] });
    expect(found.map((d) => d.deviceId)).toEqual(['b', 'd']);
    expect(lookups).toEqual(['a', 'b', 'c', 'd']);
  });

  it('inlines state only for the devices it returns', async () => {
    const { sut } = setup({ a: ['x'], b: [] });
    const found = await sut.within('t', { box: { minLon: 0, minLat: 0, maxLon: 1, maxLat: 1 }, limit: 5, includeState: true, tags: ['x'] });
    expect(found).toEqual([{ ...located('a', 0), state: expect.objectContaining({ deviceId: 'a' }) }]);
  });
});
