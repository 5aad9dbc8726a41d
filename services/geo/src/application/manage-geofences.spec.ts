import type { Geofence } from '@geopulse/contracts';
import { DEFAULT_GEOFENCE_LIMITS } from '../domain/geofence';
import { MemoryRepository } from '../test-support/fakes';
import { GeofenceCatalog } from './geofence-catalog';
import { ManageGeofences } from './manage-geofences';

const circle = (id: string) => ({ id, name: id, geometry: { type: 'Circle', center: [4.9, 52.37], radiusMeters: 100 } });

function setup(maxPerTenant: number) {
  const repository = new MemoryRepository();
  const clock = () => Date.parse('2026-11-30T10:00:00.000Z');
  const published: string[] = [];
  const manage = new ManageGeofences(
    repository,
    { changed: async (fences: readonly Geofence[]) => void published.push(...fences.map((f) => f.id)), deleted: async () => undefined },
    new GeofenceCatalog(repository, clock),
    clock,
    { limits: DEFAULT_GEOFENCE_LIMITS, maxImportFeatures: 100, maxPerTenant, newId: () => 'generated', onPublishFailure: () => undefined },
  );
  return { manage, published };
}

describe('ManageGeofences tenant limit', () => {
  it('refuses a new fence past the limit by create, PUT or import, naming the setting; replacing an existing fence still works', async () => {
    const { manage, published } = setup(2);
    await manage.create('t1', circle('a'), 'alice');
    await manage.replace('t1', 'b', circle('b'), 'alice');
    const limited = { code: 'TENANT_LIMIT_REACHED', message: expect.stringContaining('limit of 2 geofences (GEO_MAX_FENCES_PER_TENANT)') };
    await expect(manage.create('t1', circle('c'), 'alice')).rejects.toMatchObject(limited);
    await expect(manage.replace('t1', 'c', circle('c'), 'alice')).rejects.toMatchObject(limited);
    const collection = (...ids: string[]) => ({
      type: 'FeatureCollection',
      features: ids.map((id) => ({ type: 'Feature', id, properties: { name: id, radiusMeters: 50 }, geometry: { type: 'Point', coordinates: [4.9, 52.37] } })),
    });
    await expect(manage.import('t1', collection('a', 'c'), 'alice')).rejects.toMatchObject(limited);
    await expect(manage.import('t1', collection('a', 'b'), 'alice')).resolves.toMatchObject({ imported: 2 });
    await expect(manage.replace('t1', 'a', { ...circle('a'), name: 'renamed' }, 'alice')).resolves.toMatchObject({ created: false });
    await manage.delete('t1', 'b');
    await expect(manage.create('t1', circle('c'), 'alice')).resolves.toMatchObject({ id: 'c' });
    expect(published).not.toContain('generated');
  });
});
