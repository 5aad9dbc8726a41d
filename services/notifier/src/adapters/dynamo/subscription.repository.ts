import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '@geopulse/contracts';
import { conditionalWrite, decodePageCursor, encodePageCursor, readAllPages, versionCondition, type TableDefinition } from '@geopulse/dynamo';
import type { SubscriptionRepository } from '../../application/ports';
import type { Subscription } from '../../domain/subscription';

export const subscriptionsTable = (prefix: string): TableDefinition => ({ name: tableName('subscriptions', prefix), partitionKey: 'tenantId', sortKey: 'id' });

/** `geopulse-subscriptions` (tenantId, id); writes are conditional on the version read. */
export class DynamoSubscriptionRepository implements SubscriptionRepository {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
  ) {
    this.table = subscriptionsTable(prefix).name;
  }

  async get(tenantId: string, id: string): Promise<Subscription | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { tenantId, id }, ConsistentRead: true }));
    return Item as Subscription | undefined;
  }

  async list(tenantId: string, limit: number, cursor?: string): Promise<{ items: Subscription[]; nextCursor?: string }> {
    const after = decodePageCursor(cursor);
    const { Items, LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'tenantId = :t',
        ExpressionAttributeValues: { ':t': tenantId },
        Limit: limit,
        ...(after?.id ? { ExclusiveStartKey: { tenantId, id: after.id } } : {}),
      }),
    );
    return { items: (Items ?? []) as Subscription[], ...(LastEvaluatedKey ? { nextCursor: encodePageCursor({ id: String(LastEvaluatedKey.id) }) } : {}) };
  }

  async all(tenantId: string): Promise<Subscription[]> {
    const items = await readAllPages((start) =>
      this.doc.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': tenantId }, ExclusiveStartKey: start })),
    );
    return items as unknown as Subscription[];
  }

  async save(sub: Subscription, expectedVersion: number | null): Promise<boolean> {
    return conditionalWrite(() => this.doc.send(new PutCommand({ TableName: this.table, Item: sub, ...versionCondition('id', expectedVersion) })));
  }

  async remove(tenantId: string, id: string): Promise<boolean> {
    return conditionalWrite(() => this.doc.send(new DeleteCommand({ TableName: this.table, Key: { tenantId, id }, ConditionExpression: 'attribute_exists(id)' })));
  }
}
