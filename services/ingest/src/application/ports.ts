import type { Device } from '../domain/device';
import type { StoredDeviceKey } from '../domain/device-key';

/** Port: the device registry (DynamoDB in production). */
export interface DeviceRepository {
  get(tenantId: string, deviceId: string): Promise<Device | undefined>;
  list(tenantId: string, limit: number, cursor?: string): Promise<{ items: Device[]; nextCursor?: string }>;
  /** How many devices the tenant has. */
  count(tenantId: string): Promise<number>;
  /**
   * Writes the device only if its stored version is `expectedVersion` (null: only if it does
   * not exist), together with `newKey` when given, atomically. Resolves false on a conflict.
   */
  save(device: Device, expectedVersion: number | null, newKey?: StoredDeviceKey): Promise<boolean>;
  /** Resolves false when there was no such device. */
  remove(tenantId: string, deviceId: string): Promise<boolean>;
  getKey(keyId: string): Promise<StoredDeviceKey | undefined>;
}

/** Port: random key material and the salted slow hash of secrets. */
export interface KeyCrypto {
  newKeyId(): string;
  newSecret(): string;
  hash(secret: string): Promise<{ hash: string; salt: string }>;
  verify(secret: string, stored: { hash: string; salt: string }): Promise<boolean>;
  /** A fast one-way digest of a whole key, to recognise a key already verified. */
  fingerprint(token: string): string;
}

/** Port: remembers which reading ids were written within the dedup window. */
export interface ReadingDedup {
  /** The ids among `ids` already written for the tenant. */
  seen(tenantId: string, ids: readonly string[]): Promise<Set<string>>;
  /** Records `ids` as written (call only after Kafka acknowledged them). */
  mark(tenantId: string, ids: readonly string[]): Promise<void>;
}

/** Port: per-device token buckets shared by every replica. */
export interface RateLimiter {
  /** Takes `cost` tokens from each device's bucket, all or none. */
  take(tenantId: string, costs: ReadonlyMap<string, number>): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number; deviceId: string }>;
}
