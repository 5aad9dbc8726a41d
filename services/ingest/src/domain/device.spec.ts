import { checkDeviceFields, liveKeys, rotateKeys, type Device } from './device';
import { keyAccess, parseDeviceKey, formatDeviceKey } from './device-key';
import { deviceOfTopic, mqttTelemetryTopic } from './mqtt-topic';
import { InFlightLimit } from './in-flight-limit';

const t = (iso: string) => Date.parse(iso);

describe('device fields', () => {
  it('accepts name, tags, attributes and enabled', () => {
    const { fields, issues } = checkDeviceFields({ name: 'n', tags: ['a', 'a', 'site:ams'], attributes: { floor: 3, indoor: true, model: 'x' }, enabled: false });
    expect(issues).toEqual([]);
    expect(fields).toEqual({ name: 'n', tags: ['a', 'site:ams'], attributes: { floor: 3, indoor: true, model: 'x' }, enabled: false });
  });

  it('lists every problem with its path', () => {
    const { issues } = checkDeviceFields({ name: 1, tags: ['ok', ' bad'], attributes: { 'bad name': 1, o: {}, long: 'x'.repeat(257) }, enabled: 'yes', extra: 1 });
    expect(issues.map((i) => i.path).sort()).toEqual(['/attributes/bad name', '/attributes/long', '/attributes/o', '/enabled', '/extra', '/name', '/tags/1']);
    expect(checkDeviceFields({ deviceId: '../x' }, 'create').issues).toEqual([{ path: '/deviceId', message: expect.stringContaining('must match pattern') }]);
    expect(checkDeviceFields({ deviceId: 'van-1' }).issues).toEqual([{ path: '/deviceId', message: 'is not a known field' }]);
  });
});

describe('device keys', () => {
  it('formats and parses gpk_<keyId>_<secret>', () => {
    const key = formatDeviceKey('0123456789abcdef', 'A'.repeat(43));
    expect(parseDeviceKey(key)).toEqual({ keyId: '0123456789abcdef', secret: 'A'.repeat(43) });
    expect(parseDeviceKey('gpk_xyz_abc')).toBeUndefined();
  });

  const device = (over: Partial<Device> = {}): Device => ({
    tenantId: 't',
    deviceId: 'd',
    name: 'd',
    tags: [],
    attributes: {},
    enabled: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    keys: [{ keyId: 'k1', createdAt: '2026-01-01T00:00:00.000Z' }],
    version: 1,
    ...over,
  });

  it('rotation keeps the old key for the grace period, then it expires', () => {
    const now = t('2026-01-02T00:00:00.000Z');
    const keys = rotateKeys(device().keys, { keyId: 'k2', createdAt: '2026-01-02T00:00:00.000Z' }, now, 60_000);
    const rotated = device({ keys });
    expect(keyAccess(rotated, 'k1', now + 59_999)).toBe('ok');
    expect(keyAccess(rotated, 'k2', now + 59_999)).toBe('ok');
    expect(keyAccess(rotated, 'k1', now + 60_000)).toBe('EXPIRED_DEVICE_KEY');
    expect(liveKeys(rotated, now + 60_000).map((k) => k.keyId)).toEqual(['k2']);
    // A second rotation drops keys already expired and never extends an earlier end.
    const again = rotateKeys(keys, { keyId: 'k3', createdAt: '' }, now + 120_000, 3600_000);
    expect(again.map((k) => k.keyId)).toEqual(['k2', 'k3']);
  });

  it('refuses revoked keys, disabled and deleted devices', () => {
    expect(keyAccess(device(), 'k9', 0)).toBe('REVOKED_DEVICE_KEY');
    expect(keyAccess(device({ enabled: false }), 'k1', 0)).toBe('DEVICE_DISABLED');
    expect(keyAccess(undefined, 'k1', 0)).toBe('DEVICE_DELETED');
  });
});

describe('mqtt topics', () => {
  it('names tenant and device in one level', () => {
    expect(deviceOfTopic(mqttTelemetryTopic('acme', 'van-1'))).toEqual({ tenantId: 'acme', deviceId: 'van-1' });
    expect(deviceOfTopic('devices/van-1/telemetry')).toBeUndefined();
    expect(deviceOfTopic('devices/a:b:c/telemetry')).toBeUndefined();
  });
});

describe('InFlightLimit', () => {
  it('says no at the limit and yes again after a leave', () => {
    const limit = new InFlightLimit(2);
    expect([limit.tryEnter(), limit.tryEnter(), limit.tryEnter()]).toEqual([true, true, false]);
    limit.leave();
    expect(limit.tryEnter()).toBe(true);
  });
});
