import type { CommandAck, CommandPayload, DeviceCommand } from '../domain/command';
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

/** Port: stored device commands (DynamoDB `geopulse-device-commands`); every status change is conditional. */
export interface CommandRepository {
  /** Stores a new command, with the time the sweep should next look at it. */
  create(command: DeviceCommand, dueAt: string): Promise<void>;
  get(tenantId: string, deviceId: string, commandId: string): Promise<DeviceCommand | undefined>;
  /** Newest first. */
  list(tenantId: string, deviceId: string, limit: number, cursor?: string): Promise<{ items: DeviceCommand[]; nextCursor?: string }>;
  /** queued -> delivered (due again at its expiry); false when it is no longer queued. */
  markDelivered(command: DeviceCommand, at: string): Promise<boolean>;
  /** queued or delivered -> acknowledged; false when it is not open (unknown, another device's, done or expired). */
  acknowledge(tenantId: string, deviceId: string, ack: CommandAck, at: string): Promise<boolean>;
  /** Open commands due at `now` (to retry or to expire), oldest due first. */
  due(now: string, limit: number): Promise<Array<DeviceCommand & { dueAt: string }>>;
  /** Open and past expiry -> expired; false when another replica or an ack was first. */
  expire(command: DeviceCommand, at: string): Promise<boolean>;
  /** Claims a queued command's retry: only if still queued and due at `dueAt`; it is then due again at `nextDueAt`. */
  claimRetry(command: DeviceCommand, dueAt: string, nextDueAt: string): Promise<boolean>;
}

/** Port: delivery to the device over MQTT (QoS 1). */
export interface CommandChannel {
  /** False when the bridge is off (MQTT_URL unset): commands stay queued and expire. */
  readonly enabled: boolean;
  /** `delivered` once the broker acknowledged it for a subscription of the device; `no-subscriber` when it has none. Rejects when the broker did not answer. */
  deliver(tenantId: string, deviceId: string, payload: CommandPayload): Promise<'delivered' | 'no-subscriber'>;
}

export interface TenantSettings {
  tenantId: string;
  timeZone: string;
  updatedAt: string;
  updatedBy: string;
}

/** Port: per-tenant settings (DynamoDB `geopulse-tenant-settings`). */
export interface TenantSettingsRepository {
  get(tenantId: string): Promise<TenantSettings | undefined>;
  put(settings: TenantSettings): Promise<void>;
}
