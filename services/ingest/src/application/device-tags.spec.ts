import type { TelemetryReading } from '@geopulse/contracts';
import type { Device } from '../domain/device';
import { MemoryRepository } from '../test-support/fakes';
import { AcceptReadings } from './accept-readings';
import { RegistryDeviceTags } from './device-tags';

const now = Date.parse('2026-11-22T10:00:00.000Z');

function device(deviceId: string, tags: string[]): Device {
  return { tenantId: 'acme', deviceId, name: deviceId, tags, attributes: {}, enabled: true, createdAt: '', updatedAt: '', keys: [], version: 1 };
}

function setup() {
  const repo = new MemoryRepository();
  repo.devices.set('acme/van-1', device('van-1', ['fleet-a', 'site:ams']));
  repo.devices.set('acme/van-2', device('van-2', []));
  let clock = now;
  const tags = new RegistryDeviceTags(repo, { maxEntries: 100, ttlMs: 10_000 }, () => clock);
  const published: TelemetryReading[] = [];
  const degraded: string[] = [];
  const sut = new AcceptReadings({ publish: async (r) => void published.push(...r) }, { maxBatch: 10, maxFutureSkewMs: 60_000, maxAgeMs: 3600_000 }, () => now, {
    tags,
    onDegraded: (what) => degraded.push(what),
  });
  return { repo, sut, published, degraded, advance: (ms: number) => (clock += ms) };
}

const body = (...deviceIds: string[]) => Buffer.from(JSON.stringify({ readings: deviceIds.map((deviceId) => ({ deviceId, ts: now, metrics: { t: 1 } })) }));

describe('readings carry the registry tags (docs/decisions/0107)', () => {
  it('adds each device\'s tags, an empty list for a device without tags, and none for an unregistered device', async () => {
    const { sut, published } = setup();
    await sut.execute({ tenantId: 'acme', contentType: 'application/json', body: body('van-1', 'van-2', 'ghost') });
    expect(published.map((r) => [r.deviceId, r.tags])).toEqual([
      ['van-1', ['fleet-a', 'site:ams']],
      ['van-2', []],
      ['ghost', undefined],
    ]);
    expect(published[2]).not.toHaveProperty('tags');
  });

  it('reads the registry once per device per TTL, and sees a tag change after it', async () => {
    const { repo, sut, published, advance } = setup();
    await sut.execute({ tenantId: 'acme', contentType: 'application/json', body: body('van-1', 'van-1', 'ghost') });
    await sut.execute({ tenantId: 'acme', contentType: 'application/json', body: body('van-1', 'ghost') });
    expect(repo.reads).toBe(2);
    repo.devices.set('acme/van-1', device('van-1', ['fleet-b']));
    await sut.execute({ tenantId: 'acme', contentType: 'application/json', body: body('van-1') });
    expect(published.at(-1)?.tags).toEqual(['fleet-a', 'site:ams']);
    advance(10_001);
    await sut.execute({ tenantId: 'acme', contentType: 'application/json', body: body('van-1') });
    expect(published.at(-1)?.tags).toEqual(['fleet-b']);
  });

  it('keeps accepting without tags when the registry does not answer, and says so', async () => {
    const { repo, sut, published, degraded } = setup();
    repo.get = async () => {
      throw new Error('DynamoDB down');
    };
    await expect(sut.execute({ tenantId: 'acme', contentType: 'application/json', body: body('van-1') })).resolves.toMatchObject({ accepted: 1 });
    expect(published[0]).not.toHaveProperty('tags');
    expect(degraded).toEqual(['tags']);
  });

  it('refuses a reading body that tries to set its own tags', async () => {
    const { sut, published } = setup();
    const forged = Buffer.from(JSON.stringify({ deviceId: 'van-2', ts: now, tags: ['fleet-a'] }));
    await expect(sut.execute({ tenantId: 'acme', contentType: 'application/json', body: forged })).rejects.toMatchObject({ code: 'INVALID_READING' });
    expect(published).toHaveLength(0);
  });
});
