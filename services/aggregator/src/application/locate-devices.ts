import type { DeviceStateStore, LocatedDevice, NearbyQuery, WithinQuery } from './apply-readings';

/** Port: the tags a device carries in the device registry. */
export interface DeviceTags {
  tagsOf(tenantId: string, deviceId: string): Promise<string[]>;
}

/**
 * How many of the nearest candidates a tag-filtered query examines. The geo index knows
 * positions, not tags, so a filtered query reads candidates nearest first and keeps those
 * whose registry tags match until `limit` are found.
 */
export const TAGGED_CANDIDATES = 5000;

/** Geo queries, optionally filtered by registry tags (every listed tag must be present). */
export class LocateDevices {
  constructor(
    private readonly store: DeviceStateStore,
    private readonly tags: DeviceTags,
    private readonly clock: () => number,
  ) {}

  async nearby(tenantId: string, query: NearbyQuery): Promise<LocatedDevice[]> {
    if (query.tags.length === 0) return this.store.nearby(tenantId, query, this.clock());
    const candidates = await this.store.nearby(tenantId, { ...query, limit: TAGGED_CANDIDATES, includeState: false }, this.clock());
    return this.keepTagged(tenantId, candidates, query);
  }

  async within(tenantId: string, query: WithinQuery): Promise<LocatedDevice[]> {
    if (query.tags.length === 0) return this.store.within(tenantId, query, this.clock());
    const candidates = await this.store.within(tenantId, { ...query, limit: TAGGED_CANDIDATES, includeState: false }, this.clock());
    return this.keepTagged(tenantId, candidates, query);
  }

  private async keepTagged(tenantId: string, candidates: LocatedDevice[], query: NearbyQuery | WithinQuery): Promise<LocatedDevice[]> {
    const kept: LocatedDevice[] = [];
    // In slices, nearest first, so a small limit reads few registry entries.
    for (let i = 0; i < candidates.length && kept.length < query.limit; i += query.limit) {
      const slice = candidates.slice(i, i + query.limit);
      const tagLists = await Promise.all(slice.map((c) => this.tags.tagsOf(tenantId, c.deviceId)));
      slice.forEach((candidate, j) => {
        if (kept.length < query.limit && query.tags.every((tag) => tagLists[j].includes(tag))) kept.push(candidate);
      });
    }
    if (!query.includeState || kept.length === 0) return kept;
    const states = await Promise.all(kept.map((d) => this.store.get(tenantId, d.deviceId)));
    return kept.map((d, i) => (states[i] ? { ...d, state: states[i] } : d));
  }
}
