import { DeleteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName, type Geofence } from '@geopulse/contracts';
import { conditionalWrite, readAllPages, versionCondition, type TableDefinition } from '@geopulse/dynamo';
import { GeofenceError } from '../../domain/geofence-error';
import type { GeofenceRepository } from '../../application/ports';

export const geofenceTable = (prefix: string): TableDefinition => ({ name: tableName('geofences', prefix), partitionKey: 'tenantId', sortKey: 'geofenceId' });

interface Item {
  tenantId: string;
  geofenceId: string;
  version: number;
  /** The fence as compact JSON: large polygons stay far below the 400 KB item limit as text. */
  body: string;
}

const toFence = (item: Record<string, unknown>): Geofence => JSON.parse((item as unknown as Item).body) as Geofence;

/** `geopulse-geofences` (tenantId, geofenceId); writes are conditional on the version read. */
export class DynamoGeofenceRepository implements GeofenceRepository {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
  ) {
    this.table = geofenceTable(prefix).name;
  }

  async get(tenantId: string, id: string): Promise<Geofence | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { tenantId, geofenceId: id }, ConsistentRead: true }));
    return Item ? toFence(Item) : undefined;
  }

  async list(tenantId: string): Promise<Geofence[]> {
    const items = await readAllPages((start) =>
      this.doc.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': tenantId }, ExclusiveStartKey: start, ConsistentRead: true }),
      ),
    );
    return items.map(toFence);
  }

  async scanAll(): Promise<Geofence[]> {
    const items = await readAllPages((start) => this.doc.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start, ConsistentRead: true })));
    return items.map(toFence);
  }

  async put(fence: Geofence, expectedVersion: number | null | undefined): Promise<void> {
    const item: Item = { tenantId: fence.tenantId, geofenceId: fence.id, version: fence.version, body: JSON.stringify(fence) };
    const written = await conditionalWrite(() => this.doc.send(new PutCommand({ TableName: this.table, Item: item, ...versionCondition('geofenceId', expectedVersion) })));
    if (!written) throw new GeofenceError('CONCURRENT_UPDATE', `geofence ${fence.id} was changed concurrently; read it again and retry`);
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const { Attributes } = await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { tenantId, geofenceId: id }, ReturnValues: 'ALL_OLD' }));
    return Attributes !== undefined;
  }
}
