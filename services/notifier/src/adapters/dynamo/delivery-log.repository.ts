import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '@geopulse/contracts';
import { conditionalWrite, decodePageCursor, encodePageCursor, type TableDefinition } from '@geopulse/dynamo';
import type { DeliveryLog, DeliveryRecord } from '../../application/ports';
import type { DeliveryStatus } from '../../domain/delivery';

/**
 * `geopulse-notifications` (tenantId, id = `<subscriptionId>#<eventId>`): one item per
 * delivery, so a subscription's log is one key-range query; status is a filter. Items
 * expire (`expiresAt`) after the retention.
 */
export const notificationsTable = (prefix: string): TableDefinition => ({
  name: tableName('notifications', prefix),
  partitionKey: 'tenantId',
  sortKey: 'id',
  ttlAttribute: 'expiresAt',
});

export class DynamoDeliveryLog implements DeliveryLog {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
    private readonly retentionSeconds: number,
  ) {
    this.table = notificationsTable(prefix).name;
  }

  private item(record: DeliveryRecord): Record<string, unknown> {
    return { ...record, expiresAt: Math.floor(Date.parse(record.updatedAt) / 1000) + this.retentionSeconds };
  }

  async create(record: DeliveryRecord): Promise<void> {
    // Created once: a redelivered event finds its record and leaves it as it is.
    await conditionalWrite(() => this.doc.send(new PutCommand({ TableName: this.table, Item: this.item(record), ConditionExpression: 'attribute_not_exists(id)' })));
  }

  async put(record: DeliveryRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: this.item(record) }));
  }

  async list(
    tenantId: string,
    query: { subscriptionId?: string; status?: DeliveryStatus; limit: number; cursor?: string },
  ): Promise<{ items: DeliveryRecord[]; nextCursor?: string }> {
    const after = decodePageCursor(query.cursor);
    const values: Record<string, unknown> = { ':t': tenantId };
    let condition = 'tenantId = :t';
    if (query.subscriptionId) {
      condition += ' AND begins_with(id, :s)';
      values[':s'] = `${query.subscriptionId}#`;
    }
    if (query.status) values[':st'] = query.status;
    const items: DeliveryRecord[] = [];
    let start: Record<string, unknown> | undefined = after?.id ? { tenantId, id: after.id } : undefined;
    // A status filter may leave pages empty: read on until the page is full or the range ends.
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
          ...(query.status ? { FilterExpression: '#status = :st', ExpressionAttributeNames: { '#status': 'status' } } : {}),
          Limit: query.limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const { expiresAt: _e, ...record } = item as DeliveryRecord & { expiresAt?: number };
        items.push(record);
      }
      start = page.LastEvaluatedKey;
    } while (start && items.length < query.limit);
    const last = items.length >= query.limit ? items[query.limit - 1] : undefined;
    return { items: items.slice(0, query.limit), ...((start || items.length > query.limit) && last ? { nextCursor: encodePageCursor({ id: last.id }) } : {}) };
  }
}
