import { tagStrings, targetNeedsTags, targetsDevice } from './tags';

describe('one tag model', () => {
  it('reads a key/value map as key:value tag strings', () => {
    expect(tagStrings({ site: 'ams', fleet: 'vans' })).toEqual(['site:ams', 'fleet:vans']);
    expect(tagStrings(['fleet-a'])).toEqual(['fleet-a']);
    expect(tagStrings(undefined)).toEqual([]);
  });

  it('targets every device when nothing is listed, else a listed id or a device carrying every listed tag', () => {
    expect(targetsDevice(undefined, 'd1', undefined)).toBe(true);
    expect(targetsDevice({}, 'd1', undefined)).toBe(true);
    expect(targetsDevice({ deviceIds: ['d1'] }, 'd1', undefined)).toBe(true);
    expect(targetsDevice({ deviceIds: ['d1'] }, 'd2', ['fleet-a'])).toBe(false);
    expect(targetsDevice({ tags: ['fleet-a', 'site:ams'] }, 'd2', ['site:ams', 'fleet-a', 'x'])).toBe(true);
    expect(targetsDevice({ tags: ['fleet-a', 'site:ams'] }, 'd2', ['fleet-a'])).toBe(false);
    expect(targetsDevice({ tags: { site: 'ams' } }, 'd2', ['site:ams'])).toBe(true);
    expect(targetsDevice({ tags: { site: 'ams' } }, 'd2', ['site:rtm'])).toBe(false);
    expect(targetsDevice({ tags: { site: 'ams' } }, 'd2', undefined)).toBe(false);
    expect(targetsDevice({ deviceIds: ['d1'], tags: { site: 'ams' } }, 'd1', undefined)).toBe(true);
    expect(targetNeedsTags({ tags: {} })).toBe(false);
    expect(targetNeedsTags({ tags: ['x'] })).toBe(true);
  });
});
