import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '@geopulse/contracts';
import { conditionalWrite, ensureTable, versionCondition, type TableDefinition } from '@geopulse/dynamo';
import type { DeviceRepository } from '../../application/ports';
import type { Device } from '../../domain/device';
import type { StoredDeviceKey } from '../../domain/device-key';

export function deviceTables(prefix: string): { devices: TableDefinition; keys: TableDefinition } {
  return {
    devices: { name: tableName('devices', prefix), partitionKey: 'tenantId', sortKey: 'deviceId' },
    keys: { name: tableName('deviceKeys', prefix), partitionKey: 'keyId' },
  };
}

export async function ensureDeviceTables(client: DynamoDBClient, prefix: string): Promise<void> {
  const tables = deviceTables(prefix);
  await ensureTable(client, tables.devices);
  await ensureTable(client, tables.keys);
}

const encodeCursor = (deviceId: string) => Buffer.from(JSON.stringify({ d: deviceId })).toString('base64url');
function decodeCursor(cursor: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { d?: unknown };
    return typeof parsed.d === 'string' ? parsed.d : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Devices in `geopulse-devices` (tenantId, deviceId), key hashes in `geopulse-device-keys`
 * (keyId). Every device write is conditional on the version it read; a new key is written
 * in the same transaction as the device that lists it.
 */
export class DynamoDeviceRepository implements DeviceRepository {
  private readonly devices: string;
  private readonly keys: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
  ) {
    const tables = deviceTables(prefix);
    this.devices = tables.devices.name;
    this.keys = tables.keys.name;
  }

  async get(tenantId: string, deviceId: string): Promise<Device | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.devices, Key: { tenantId, deviceId }, ConsistentRead: true }));
    return Item as Device | undefined;
  }

  async list(tenantId: string, limit: number, cursor?: string): Promise<{ items: Device[]; nextCursor?: string }> {
    const after = cursor ? decodeCursor(cursor) : undefined;
    const { Items, LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.devices,
        KeyConditionExpression: 'tenantId = :t',
        ExpressionAttributeValues: { ':t': tenantId },
        Limit: limit,
        ...(after ? { ExclusiveStartKey: { tenantId, deviceId: after } } : {}),
      }),
    );
    const last = LastEvaluatedKey?.deviceId;
    return { items: (Items ?? []) as Device[], ...(typeof last === 'string' ? { nextCursor: encodeCursor(last) } : {}) };
  }

  async count(tenantId: string): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({ TableName: this.devices, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': tenantId }, Select: 'COUNT', ExclusiveStartKey: start }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async save(device: Device, expectedVersion: number | null, newKey?: StoredDeviceKey): Promise<boolean> {
    const condition = versionCondition('deviceId', expectedVersion);
    if (!newKey) return conditionalWrite(() => this.doc.send(new PutCommand({ TableName: this.devices, Item: device, ...condition })));
    return conditionalWrite(() =>
      this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.devices, Item: device, ...condition } },
            { Put: { TableName: this.keys, Item: newKey, ConditionExpression: 'attribute_not_exists(keyId)' } },
          ],
        }),
      ),
    );
  }

  remove(tenantId: string, deviceId: string): Promise<boolean> {
    return conditionalWrite(() =>
      this.doc.send(new DeleteCommand({ TableName: this.devices, Key: { tenantId, deviceId }, ConditionExpression: 'attribute_exists(deviceId)' })),
    );
  }

  async getKey(keyId: string): Promise<StoredDeviceKey | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.keys, Key: { keyId }, ConsistentRead: true }));
    return Item as StoredDeviceKey | undefined;
  }
}
