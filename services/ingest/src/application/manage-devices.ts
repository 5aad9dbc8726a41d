import { tenantLimitMessage } from '@geopulse/contracts';
import { liveKeys, rotateKeys, checkDeviceFields, isDeviceId, type Device, type DeviceFields, type DeviceKeyInfo } from '../domain/device';
import { DeviceError } from '../domain/device-error';
import { formatDeviceKey, type StoredDeviceKey } from '../domain/device-key';
import type { DeviceRepository, KeyCrypto } from './ports';

export interface IssuedKey {
  keyId: string;
  /** The whole key: shown once, never stored. */
  key: string;
  createdAt: string;
}

export interface DeviceSettings {
  /** How long the previous key keeps working after a rotation. */
  rotationGraceMs: number;
  /** Devices one tenant may register (INGEST_MAX_DEVICES_PER_TENANT); default no limit. */
  maxPerTenant?: number;
}

/** Told about every change so cached key verifications of the device are dropped at once. */
export type DeviceChanged = (device: Device) => void;

const MAX_PAGE = 100;

/** The operator's device registry: create, list, read, edit, delete devices; rotate and revoke keys. */
export class ManageDevices {
  constructor(
    private readonly repository: DeviceRepository,
    private readonly crypto: KeyCrypto,
    private readonly settings: DeviceSettings,
    private readonly changed: DeviceChanged = () => undefined,
    private readonly clock: () => number = Date.now,
    private readonly newDeviceId: () => string = () => `dev-${crypto.newKeyId()}`,
  ) {}

  /** `actor` (here and on every change) is the `sub` of the operator token, recorded as createdBy/updatedBy. */
  async create(tenantId: string, body: unknown, actor: string): Promise<{ device: Device; key: IssuedKey }> {
    const { fields, issues } = checkDeviceFields(body, 'create');
    if (issues.length > 0) throw new DeviceError('INVALID_DEVICE', `${issues.length} problem(s) in the device`, issues);
    const max = this.settings.maxPerTenant;
    // Counted before the write: concurrent creates may pass it by as many as run at once.
    if (max !== undefined && (await this.repository.count(tenantId)) >= max) {
      throw new DeviceError('TENANT_LIMIT_REACHED', tenantLimitMessage('devices', max, 'INGEST_MAX_DEVICES_PER_TENANT'));
    }
    // The schema checked it: absent, or an id.
    const deviceId = (body as { deviceId?: string }).deviceId ?? this.newDeviceId();
    const now = new Date(this.clock()).toISOString();
    const { stored, issued } = await this.issueKey(tenantId, deviceId, now);
    const device: Device = {
      tenantId,
      deviceId,
      name: fields.name ?? deviceId,
      tags: fields.tags ?? [],
      attributes: fields.attributes ?? {},
      enabled: fields.enabled ?? true,
      ...(typeof fields.owner === 'string' ? { owner: fields.owner } : {}),
      createdAt: now,
      updatedAt: now,
      createdBy: actor,
      updatedBy: actor,
      keys: [{ keyId: issued.keyId, createdAt: now }],
      version: 1,
    };
    if (!(await this.repository.save(device, null, stored))) {
      throw new DeviceError('DEVICE_EXISTS', `device ${deviceId} already exists`, [{ path: '/deviceId', message: 'is taken' }]);
    }
    return { device, key: issued };
  }

  async get(tenantId: string, deviceId: string): Promise<Device> {
    const device = isDeviceId(deviceId) ? await this.repository.get(tenantId, deviceId) : undefined;
    if (!device) throw new DeviceError('DEVICE_NOT_FOUND', `no device ${deviceId}`);
    return { ...device, keys: liveKeys(device, this.clock()) };
  }

  async list(tenantId: string, limit: number | undefined, cursor: string | undefined): Promise<{ items: Device[]; nextCursor?: string }> {
    const size = Math.min(Math.max(Math.trunc(limit ?? 50) || 50, 1), MAX_PAGE);
    const page = await this.repository.list(tenantId, size, cursor);
    const now = this.clock();
    return { ...page, items: page.items.map((d) => ({ ...d, keys: liveKeys(d, now) })) };
  }

  async update(tenantId: string, deviceId: string, body: unknown, actor: string): Promise<Device> {
    const { fields, issues } = checkDeviceFields(body);
    if (issues.length > 0) throw new DeviceError('INVALID_DEVICE', `${issues.length} problem(s) in the change`, issues);
    return this.change(tenantId, deviceId, actor, (device) => withoutNullOwner({ ...device, ...definedFields(fields) }));
  }

  async remove(tenantId: string, deviceId: string): Promise<void> {
    const device = await this.get(tenantId, deviceId);
    if (!(await this.repository.remove(tenantId, deviceId))) throw new DeviceError('DEVICE_NOT_FOUND', `no device ${deviceId}`);
    this.changed(device);
  }

  /** A new key; every other live key keeps working for `graceSeconds` (default: the configured grace). */
  async rotateKey(tenantId: string, deviceId: string, actor: string, graceSeconds?: number): Promise<IssuedKey & { previousKeysValidUntil: string }> {
    if (graceSeconds !== undefined && (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > 30 * 86400)) {
      throw new DeviceError('INVALID_DEVICE', 'graceSeconds must be an integer between 0 and 2592000', [{ path: '/graceSeconds', message: 'must be an integer between 0 and 2592000' }]);
    }
    const graceMs = graceSeconds === undefined ? this.settings.rotationGraceMs : graceSeconds * 1000;
    const now = this.clock();
    const createdAt = new Date(now).toISOString();
    const { stored, issued } = await this.issueKey(tenantId, deviceId, createdAt);
    const added: DeviceKeyInfo = { keyId: issued.keyId, createdAt };
    await this.change(tenantId, deviceId, actor, (device) => ({ ...device, keys: rotateKeys(device.keys, added, now, graceMs) }), stored);
    return { ...issued, previousKeysValidUntil: new Date(now + graceMs).toISOString() };
  }

  async revokeKey(tenantId: string, deviceId: string, keyId: string, actor: string): Promise<void> {
    await this.change(tenantId, deviceId, actor, (device) => {
      if (!device.keys.some((k) => k.keyId === keyId)) throw new DeviceError('KEY_NOT_FOUND', `device ${deviceId} has no key ${keyId}`);
      return { ...device, keys: device.keys.filter((k) => k.keyId !== keyId) };
    });
  }

  private async issueKey(tenantId: string, deviceId: string, createdAt: string): Promise<{ stored: StoredDeviceKey; issued: IssuedKey }> {
    const keyId = this.crypto.newKeyId();
    const secret = this.crypto.newSecret();
    const { hash, salt } = await this.crypto.hash(secret);
    return { stored: { keyId, tenantId, deviceId, hash, salt, createdAt }, issued: { keyId, key: formatDeviceKey(keyId, secret), createdAt } };
  }

  /** Read, modify, write with the version check; retried a few times when another write won. */
  private async change(tenantId: string, deviceId: string, actor: string, modify: (device: Device) => Device, newKey?: StoredDeviceKey): Promise<Device> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = isDeviceId(deviceId) ? await this.repository.get(tenantId, deviceId) : undefined;
      if (!current) throw new DeviceError('DEVICE_NOT_FOUND', `no device ${deviceId}`);
      const next = { ...modify(current), updatedAt: new Date(this.clock()).toISOString(), updatedBy: actor, version: current.version + 1 };
      if (await this.repository.save(next, current.version, newKey)) {
        this.changed(current);
        this.changed(next);
        return { ...next, keys: liveKeys(next, this.clock()) };
      }
    }
    throw new DeviceError('CONCURRENT_UPDATE', `device ${deviceId} is being changed concurrently; retry`);
  }
}

/** `owner: null` in a change removes the owner. */
function withoutNullOwner(device: Omit<Device, 'owner'> & { owner?: string | null }): Device {
  const { owner, ...rest } = device;
  return typeof owner === 'string' ? { ...rest, owner } : rest;
}

function definedFields(fields: DeviceFields): DeviceFields {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as DeviceFields;
}
