import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName, type TenantPolicyResource } from '@geopulse/contracts';
import { conditionalWrite, readAllPages, versionCondition, type TableDefinition } from '@geopulse/dynamo';
import type { PolicyRepository } from '../../application/manage-policies';

/** `geopulse-policies` (tenantId, policyId); the item `#set` of a tenant holds its set version. */
export function policyTable(prefix: string): TableDefinition {
  return { name: tableName('policies', prefix), partitionKey: 'tenantId', sortKey: 'policyId' };
}

/** `#` is not a policy id character, so the counter never collides with a policy. */
const SET_ITEM = '#set';

type Item = Omit<TenantPolicyResource, 'id'> & { policyId: string };
const fromItem = ({ policyId, ...rest }: Item): TenantPolicyResource => ({ id: policyId, ...rest });

export class DynamoPolicyRepository implements PolicyRepository {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
  ) {
    this.table = policyTable(prefix).name;
  }

  async get(tenantId: string, id: string): Promise<TenantPolicyResource | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { tenantId, policyId: id }, ConsistentRead: true }));
    return Item ? fromItem(Item as Item) : undefined;
  }

  async list(tenantId: string): Promise<TenantPolicyResource[]> {
    const items = await readAllPages((start) =>
      this.doc.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': tenantId }, ConsistentRead: true, ExclusiveStartKey: start }),
      ),
    );
    return items.filter((item) => item['policyId'] !== SET_ITEM).map((item) => fromItem(item as Item));
  }

  put(policy: TenantPolicyResource, expectedVersion: number | null): Promise<boolean> {
    const { id, ...rest } = policy;
    return conditionalWrite(() => this.doc.send(new PutCommand({ TableName: this.table, Item: { ...rest, policyId: id }, ...versionCondition('policyId', expectedVersion) })));
  }

  remove(tenantId: string, id: string, expectedVersion?: number): Promise<boolean> {
    const condition =
      expectedVersion === undefined
        ? { ConditionExpression: 'attribute_exists(policyId)' }
        : { ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': expectedVersion } };
    return conditionalWrite(() => this.doc.send(new DeleteCommand({ TableName: this.table, Key: { tenantId, policyId: id }, ...condition })));
  }

  async nextSetVersion(tenantId: string): Promise<number> {
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { tenantId, policyId: SET_ITEM },
        UpdateExpression: 'ADD setVersion :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.['setVersion']);
  }
}
