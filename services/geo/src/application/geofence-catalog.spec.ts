import type { Geofence } from '@geopulse/contracts';
import { GeofenceCatalog, type FenceChange } from './geofence-catalog';
import { MemoryRepository } from '../test-support/fakes';

const fence = (id: string, version = 1): Geofence => ({ id, tenantId: 't1', name: id, version, createdAt: '', updatedAt: '', geometry: { type: 'Circle', center: [4, 52], radiusMeters: 10 } });

function setup() {
  let now = 1000;
  const repo = new MemoryRepository();
  const catalog = new GeofenceCatalog(repo, () => now++);
  const changes: Array<[string, FenceChange['deleted']]> = [];
  catalog.onChange((_t, id, change) => changes.push([id, change.deleted]));
  return { repo, catalog, changes };
}

describe('GeofenceCatalog', () => {
  it('ignores a tombstone for a fence the table has again (a replay of delete then re-create)', async () => {
    const { repo, catalog } = setup();
    await repo.put(fence('a', 5));
    await catalog.load();
    expect(await catalog.applyTombstone('t1', 'a')).toBe(false);
    expect(catalog.index.get('t1', 'a')).toBeDefined();
    repo.rows.delete('a');
    expect(await catalog.applyTombstone('t1', 'a')).toBe(true);
    expect(catalog.index.get('t1', 'a')).toBeUndefined();
  });

  it('tells listeners about changes of known fences and deletions, not about new fences', async () => {
    const { repo, catalog, changes } = setup();
    await catalog.load();
    catalog.applyChanged(fence('a', 1));
    catalog.applyChanged(fence('a', 2));
    catalog.applyChanged(fence('a', 1));
    await catalog.applyTombstone('t1', 'a');
    expect(changes).toEqual([
      ['a', false],
      ['a', true],
    ]);
    expect(repo.rows.size).toBe(0);
  });

  it('reconciles with the table: adds what the topic missed, removes what was deleted, keeps what changed during the scan', async () => {
    const { repo, catalog } = setup();
    await repo.put(fence('stale'));
    await catalog.load();
    repo.rows.delete('stale'); // deleted, tombstone never arrived
    await repo.put(fence('missed', 3)); // stored, publish failed
    repo.duringScan = () => catalog.applyChanged(fence('racing', 4)); // created while the scan runs
    expect(await catalog.reconcile()).toEqual({ upserted: 1, removed: 1 });
    expect(catalog.index.list('t1').map((f) => f.id).sort()).toEqual(['missed', 'racing']);
  });

  it('does not resurrect a fence deleted while the scan was reading it', async () => {
    const { repo, catalog } = setup();
    await repo.put(fence('gone'));
    await catalog.load();
    repo.duringScan = () => {
      repo.rows.delete('gone');
      void catalog.applyTombstone('t1', 'gone');
    };
    await catalog.reconcile();
    expect(catalog.index.get('t1', 'gone')).toBeUndefined();
  });
});
