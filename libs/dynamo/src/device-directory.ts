import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '@geopulse/contracts';

/** What other services may read of a registered device: its tags and attributes. */
export interface RegistryDevice {
  id: string;
  tags: string[];
  attributes: Record<string, unknown>;
}

interface DeviceItem {
  tags?: unknown;
  attributes?: unknown;
}

/**
 * Tags and attributes of devices from the registry table ingest owns (read only), cached per
 * replica for a TTL; a device missing from the registry has no tags and no attributes.
 * Rules use it for `device.*` and tag targeting, the aggregator for tag-filtered geo queries.
 */
export class RegistryDeviceDirectory {
  private readonly table: string;
  private readonly cache = new Map<string, { info: RegistryDevice; until: number }>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
    private readonly ttlMs: number,
    private readonly clock: () => number,
    private readonly maxEntries = 100_000,
  ) {
    this.table = tableName('devices', prefix);
  }

  async get(tenantId: string, deviceId: string): Promise<RegistryDevice> {
    const key = `${tenantId}:${deviceId}`;
    const now = this.clock();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.info;
    let info: RegistryDevice = { id: deviceId, tags: [], attributes: {} };
    try {
      const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { tenantId, deviceId } }));
      const item = (Item ?? {}) as DeviceItem;
      info = {
        id: deviceId,
        tags: Array.isArray(item.tags) ? item.tags.map(String) : [],
        attributes: typeof item.attributes === 'object' && item.attributes !== null ? (item.attributes as Record<string, unknown>) : {},
      };
    } catch (err) {
      // No registry table (yet): evaluate without tags rather than stall the partition.
      if ((err as Error).name !== 'ResourceNotFoundException') throw err;
    }
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, { info, until: now + this.ttlMs });
    return info;
  }
}
