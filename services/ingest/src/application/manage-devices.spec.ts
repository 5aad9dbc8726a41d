import { DeviceError } from '../domain/device-error';
import { AuthenticateDevice } from './authenticate-device';
import { ManageDevices } from './manage-devices';
import type { KeyCrypto } from './ports';
import { MemoryRepository } from '../test-support/fakes';

let counter = 0;
const crypto: KeyCrypto = {
  newKeyId: () => (counter++).toString(16).padStart(16, '0'),
  newSecret: () => `${'s'.repeat(42)}${counter % 10}`,
  hash: async (secret) => ({ hash: `h(${secret})`, salt: 'salt' }),
  verify: async (secret, stored) => stored.hash === `h(${secret})`,
  fingerprint: (token) => `f(${token})`,
};

function setup(maxPerTenant?: number) {
  let now = Date.parse('2026-11-22T10:00:00.000Z');
  const clock = () => now;
  const repo = new MemoryRepository();
  const auth = new AuthenticateDevice(repo, crypto, { maxEntries: 100, ttlMs: 5000 }, clock);
  const devices = new ManageDevices(repo, crypto, { rotationGraceMs: 60_000, ...(maxPerTenant ? { maxPerTenant } : {}) }, (d) => auth.forget(d), clock);
  return { repo, auth, devices, clock, advance: (ms: number) => (now += ms) };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: DeviceError) => e.code);

describe('device registry and keys', () => {
  it('issues a key that authenticates its device, once per tenant and id', async () => {
    const { devices, auth } = setup();
    const { device, key } = await devices.create('acme', { deviceId: 'van-1', tags: ['fleet'] }, 'alice');
    expect(device).toMatchObject({ deviceId: 'van-1', name: 'van-1', tags: ['fleet'], enabled: true, createdBy: 'alice', updatedBy: 'alice' });
    await expect(auth.execute(key.key)).resolves.toEqual({ tenantId: 'acme', deviceId: 'van-1', keyId: key.keyId });
    expect(await codeOf(devices.create('acme', { deviceId: 'van-1' }, 'alice'))).toBe('DEVICE_EXISTS');
    expect(await codeOf(devices.get('other', 'van-1'))).toBe('DEVICE_NOT_FOUND');
    expect(await codeOf(auth.execute(key.key.slice(0, -1) + 'x'))).toBe('UNKNOWN_DEVICE_KEY');
  });

  it('keeps the old key during the grace period after a rotation, then refuses it', async () => {
    const { devices, auth, advance } = setup();
    const { key: first } = await devices.create('acme', { deviceId: 'van-1' }, 'alice');
    const second = await devices.rotateKey('acme', 'van-1', 'bob', 30);
    expect(await codeOf(auth.execute(first.key))).toBe('ok');
    expect(await codeOf(auth.execute(second.key))).toBe('ok');
    advance(30_000);
    expect(await codeOf(auth.execute(first.key))).toBe('EXPIRED_DEVICE_KEY');
    expect(await codeOf(auth.execute(second.key))).toBe('ok');
  });

  it('refuses revoked keys, disabled and deleted devices at once on this replica', async () => {
    const { devices, auth } = setup();
    const { key } = await devices.create('acme', { deviceId: 'van-1' }, 'alice');
    const other = await devices.rotateKey('acme', 'van-1', 'bob', 3600);
    await auth.execute(key.key);
    await devices.revokeKey('acme', 'van-1', key.keyId, 'bob');
    expect(await codeOf(auth.execute(key.key))).toBe('REVOKED_DEVICE_KEY');
    await devices.update('acme', 'van-1', { enabled: false }, 'bob');
    await expect(devices.get('acme', 'van-1')).resolves.toMatchObject({ createdBy: 'alice', updatedBy: 'bob' });
    expect(await codeOf(auth.execute(other.key))).toBe('DEVICE_DISABLED');
    await devices.remove('acme', 'van-1');
    expect(await codeOf(auth.execute(other.key))).toBe('DEVICE_DELETED');
  });

  it('sees a revocation made on another replica once the cache TTL has passed, reading the registry once per TTL', async () => {
    const { repo, devices, clock, advance } = setup();
    const { key } = await devices.create('acme', { deviceId: 'van-1' }, 'alice');
    await devices.rotateKey('acme', 'van-1', 'bob', 3600);
    const elsewhere = new AuthenticateDevice(repo, crypto, { maxEntries: 100, ttlMs: 5000 }, clock);
    await elsewhere.execute(key.key);
    const reads = repo.reads;
    await devices.revokeKey('acme', 'van-1', key.keyId, 'bob');
    const afterRevoke = repo.reads;
    expect(await codeOf(elsewhere.execute(key.key))).toBe('ok');
    expect(repo.reads).toBe(afterRevoke);
    expect(afterRevoke).toBeGreaterThan(reads);
    advance(5000);
    expect(await codeOf(elsewhere.execute(key.key))).toBe('REVOKED_DEVICE_KEY');
  });

  it('lists a tenant\'s devices page by page', async () => {
    const { devices } = setup();
    for (const id of ['c', 'a', 'b']) await devices.create('acme', { deviceId: id }, 'alice');
    await devices.create('other', { deviceId: 'z' }, 'alice');
    const first = await devices.list('acme', 2, undefined);
    expect(first.items.map((d) => d.deviceId)).toEqual(['a', 'b']);
    const second = await devices.list('acme', 2, first.nextCursor);
    expect(second.items.map((d) => d.deviceId)).toEqual(['c']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('rejects invalid fields with every path', async () => {
    const { devices } = setup();
    await devices.create('acme', { deviceId: 'van-1' }, 'alice');
    const err = await devices.update('acme', 'van-1', { enabled: 'no', tags: 'x' }, 'bob').catch((e: DeviceError) => e);
    expect(err).toMatchObject({ code: 'INVALID_DEVICE' });
    expect((err as DeviceError).issues.map((i) => i.path).sort()).toEqual(['/enabled', '/tags']);
  });

  it('refuses a device past the tenant limit with the setting named; deleting one makes room', async () => {
    const { devices } = setup(2);
    await devices.create('acme', { deviceId: 'a' }, 'alice');
    await devices.create('acme', { deviceId: 'b' }, 'alice');
    const refused = await devices.create('acme', { deviceId: 'c' }, 'alice').catch((e: DeviceError) => e);
    expect(refused).toMatchObject({ code: 'TENANT_LIMIT_REACHED', message: expect.stringContaining('INGEST_MAX_DEVICES_PER_TENANT') });
    expect(await codeOf(devices.create('other', { deviceId: 'c' }, 'bob'))).toBe('ok');
    await devices.remove('acme', 'a');
    expect(await codeOf(devices.create('acme', { deviceId: 'c' }, 'alice'))).toBe('ok');
  });
});

describe('device owner', () => {
  it('is set on create, changed and removed (null) by a PATCH, and refused when not a printable user id', async () => {
    const { devices } = setup();
    const { device } = await devices.create('acme', { deviceId: 'thermo-1', owner: 'olivia' }, 'alice');
    expect(device.owner).toBe('olivia');
    expect((await devices.update('acme', 'thermo-1', { owner: 'oscar' }, 'alice')).owner).toBe('oscar');
    expect((await devices.update('acme', 'thermo-1', { name: 'kept owner' }, 'alice')).owner).toBe('oscar');
    const removed = await devices.update('acme', 'thermo-1', { owner: null }, 'alice');
    expect(removed).not.toHaveProperty('owner');
    for (const owner of ['', ' padded', 'line\nbreak', 42, 'x'.repeat(257)]) {
      const failure = await devices.create('acme', { deviceId: 'thermo-2', owner }, 'alice').then(
        () => undefined,
        (e: DeviceError) => e,
      );
      expect([owner, failure?.code, failure?.issues[0]?.path]).toEqual([owner, 'INVALID_DEVICE', '/owner']);
    }
  });
});
