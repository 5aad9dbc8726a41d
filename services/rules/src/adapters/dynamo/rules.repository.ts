import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName, type Rule } from '@geopulse/contracts';
import { conditionalWrite, ensureTable, readAllPages, versionCondition, type TableDefinition } from '@geopulse/dynamo';
import { RuleVersionConflict, type RuleRepository, type StoredRule } from '../../application/ports';

export function rulesTables(prefix: string): { rules: TableDefinition; alerts: TableDefinition; backtests: TableDefinition } {
  return {
    rules: { name: tableName('rules', prefix), partitionKey: 'tenantId', sortKey: 'ruleId' },
    alerts: { name: tableName('alerts', prefix), partitionKey: 'tenantId', sortKey: 'alertId' },
    // Backtest jobs belong to this service alone (not in the shared TABLES): expire a week after their last change.
    backtests: { name: `${prefix}geopulse-rule-backtests`, partitionKey: 'tenantId', sortKey: 'jobId', ttlAttribute: 'expiresAt' },
  };
}

export async function ensureRulesTables(client: DynamoDBClient, prefix: string): Promise<void> {
  const tables = rulesTables(prefix);
  await ensureTable(client, tables.rules);
  await ensureTable(client, tables.alerts);
  await ensureTable(client, tables.backtests);
}

type RuleItem = Omit<StoredRule, 'id'> & { ruleId: string };

const toItem = ({ id, ...rest }: StoredRule): RuleItem => ({ ...rest, ruleId: id });
const fromItem = ({ ruleId, ...rest }: RuleItem): StoredRule => ({ ...rest, id: ruleId });

/**
 * Rules in `geopulse-rules` (tenantId, ruleId). Every write is conditional on the version it
 * read; a deleted rule stays as a marker (`deleted`, next version) so replicas reconcile in
 * version order and an old record on the topic cannot bring it back.
 */
export class DynamoRuleRepository implements RuleRepository {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
  ) {
    this.table = rulesTables(prefix).rules.name;
  }

  async get(tenantId: string, ruleId: string): Promise<StoredRule | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { tenantId, ruleId }, ConsistentRead: true }));
    return Item ? fromItem(Item as RuleItem) : undefined;
  }

  async list(tenantId: string): Promise<Rule[]> {
    const items = await readAllPages((start) =>
      this.doc.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': tenantId }, ExclusiveStartKey: start, ConsistentRead: true }),
      ),
    );
    return items.map((item) => fromItem(item as RuleItem)).filter((rule) => !rule.deleted);
  }

  async scanAll(): Promise<StoredRule[]> {
    const items = await readAllPages((start) => this.doc.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start, ConsistentRead: true })));
    return items.map((item) => fromItem(item as RuleItem));
  }

  /** Creates the rule when `expectedVersion` is undefined, else replaces that version; a RuleVersionConflict otherwise. */
  async put(rule: StoredRule, expectedVersion: number | undefined): Promise<void> {
    const written = await conditionalWrite(() => this.doc.send(new PutCommand({ TableName: this.table, Item: toItem(rule), ...versionCondition('ruleId', expectedVersion ?? null) })));
    if (!written) throw new RuleVersionConflict(rule.id);
  }

  async recordErrors(tenantId: string, ruleId: string, error: { message: string; at: string; deviceId?: string }, count: number): Promise<void> {
    // A rule deleted meanwhile has no row to count on: nothing to record.
    await conditionalWrite(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { tenantId, ruleId },
          UpdateExpression: 'SET lastError = :e ADD errorCount :n',
          ConditionExpression: 'attribute_exists(ruleId)',
          ExpressionAttributeValues: { ':e': error, ':n': count },
        }),
      ),
    );
  }
}
