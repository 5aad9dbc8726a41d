import { TtlCache } from '../domain/ttl-cache';
import type { DeviceRepository } from './ports';

/** Port: the registry tags of a tenant's devices (absent from the map: not registered). */
export interface DeviceTagSource {
  tagsOf(tenantId: string, deviceIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
}

export interface DeviceTagCacheSettings {
  maxEntries: number;
  /** How stale a device's tags may be on a reading: a tag change shows within it. */
  ttlMs: number;
}

/**
 * Registry tags for readings (docs/decisions/0107): one `GetItem` per device per TTL, at most
 * one per distinct device of a batch, cached per replica (bounded). An unregistered device is
 * cached too, so a feed of unknown ids does not read the table per reading.
 */
export class RegistryDeviceTags implements DeviceTagSource {
  private readonly cache: TtlCache<{ tags: readonly string[] | undefined }>;

  constructor(
    private readonly repository: DeviceRepository,
    settings: DeviceTagCacheSettings,
    clock: () => number = Date.now,
  ) {
    this.cache = new TtlCache(settings.maxEntries, settings.ttlMs, clock);
  }

  async tagsOf(tenantId: string, deviceIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>> {
    const out = new Map<string, readonly string[]>();
    await Promise.all(
      [...new Set(deviceIds)].map(async (deviceId) => {
        const key = `${tenantId}\u0000${deviceId}`;
        let entry = this.cache.get(key);
        if (!entry) {
          const device = await this.repository.get(tenantId, deviceId);
          entry = { tags: device ? [...device.tags] : undefined };
          this.cache.set(key, entry);
        }
        if (entry.tags) out.set(deviceId, entry.tags);
      }),
    );
    return out;
  }
}
