import type { Device } from '../domain/device';
import { DeviceError } from '../domain/device-error';
import { keyAccess, parseDeviceKey, type StoredDeviceKey } from '../domain/device-key';
import { TtlCache } from '../domain/ttl-cache';
import type { DeviceRepository, KeyCrypto } from './ports';

export interface AuthenticatedDevice {
  tenantId: string;
  deviceId: string;
  keyId: string;
}

export interface KeyCacheSettings {
  maxEntries: number;
  /** How stale a cached verification may be: a revocation elsewhere takes effect within it. */
  ttlMs: number;
}

interface CachedKey {
  key: StoredDeviceKey | undefined;
  device: Device | undefined;
  /** Fingerprints of whole keys whose secret matched the hash (the slow check is done once). */
  verified: string[];
}

/**
 * Device key -> tenant and device, or a DeviceError saying why not. The stored key and its
 * device are cached per key id for a few seconds (bounded), and the scrypt check runs once
 * per distinct key string, so a device sending every second costs one hash per TTL at most.
 */
export class AuthenticateDevice {
  private readonly cache: TtlCache<CachedKey>;

  constructor(
    private readonly repository: DeviceRepository,
    private readonly crypto: KeyCrypto,
    settings: KeyCacheSettings,
    private readonly clock: () => number = Date.now,
  ) {
    this.cache = new TtlCache(settings.maxEntries, settings.ttlMs, clock);
  }

  async execute(token: string): Promise<AuthenticatedDevice> {
    const parsed = parseDeviceKey(token);
    if (!parsed) throw new DeviceError('UNKNOWN_DEVICE_KEY', 'the device key is not valid');
    let entry = this.cache.get(parsed.keyId);
    if (!entry) {
      const key = await this.repository.getKey(parsed.keyId);
      const device = key ? await this.repository.get(key.tenantId, key.deviceId) : undefined;
      entry = { key, device, verified: [] };
      this.cache.set(parsed.keyId, entry);
    }
    const { key, device } = entry;
    if (!key) throw new DeviceError('UNKNOWN_DEVICE_KEY', 'the device key is not valid');
    const fingerprint = this.crypto.fingerprint(token);
    if (!entry.verified.includes(fingerprint)) {
      if (!(await this.crypto.verify(parsed.secret, key))) throw new DeviceError('UNKNOWN_DEVICE_KEY', 'the device key is not valid');
      entry.verified = [fingerprint];
    }
    const access = keyAccess(device, parsed.keyId, this.clock());
    if (access !== 'ok') throw new DeviceError(access, rejectionMessage(access, key.deviceId));
    return { tenantId: key.tenantId, deviceId: key.deviceId, keyId: key.keyId };
  }

  /** Drops cached verifications of a device's keys (this replica sees its own changes at once). */
  forget(device: Device): void {
    for (const k of device.keys) this.cache.delete(k.keyId);
  }

  /** Drops one key's cached verification. */
  forgetKey(keyId: string): void {
    this.cache.delete(keyId);
  }
}

function rejectionMessage(code: Exclude<ReturnType<typeof keyAccess>, 'ok'>, deviceId: string): string {
  switch (code) {
    case 'DEVICE_DELETED':
      return `device ${deviceId} was deleted`;
    case 'DEVICE_DISABLED':
      return `device ${deviceId} is disabled`;
    case 'REVOKED_DEVICE_KEY':
      return 'this device key was revoked';
    case 'EXPIRED_DEVICE_KEY':
      return 'this device key was rotated and its grace period is over';
    case 'UNKNOWN_DEVICE_KEY':
      return 'the device key is not valid';
  }
}
