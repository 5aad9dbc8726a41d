import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoSettings } from '@geopulse/config';
import { metric } from '@geopulse/observability';

export { DynamoDBDocumentClient };

const callSeconds = metric.histogram(
  'geopulse_dynamodb_call_duration_seconds',
  'Time of one DynamoDB call (retries included), by operation and outcome',
  ['operation', 'outcome'],
  [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
);

export function createDynamoClients(settings: DynamoSettings): { client: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const client = new DynamoDBClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: 3,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const stop = callSeconds.startTimer({ operation: context.commandName ?? 'unknown' });
      try {
        const result = await next(args);
        stop({ outcome: 'ok' });
        return result;
      } catch (err) {
        stop({ outcome: (err as { name?: string }).name === 'ConditionalCheckFailedException' ? 'condition_failed' : 'error' });
        throw err;
      }
    },
    { step: 'initialize', name: 'geopulseCallMetrics' },
  );
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, doc };
}

export interface TableDefinition {
  name: string;
  partitionKey: string;
  sortKey?: string;
  /** Attribute holding the expiry epoch seconds, when items expire. */
  ttlAttribute?: string;
  indexes?: Array<{ name: string; partitionKey: string; sortKey?: string }>;
}

/**
 * Creates the table when missing (on-demand billing) and waits until it is active.
 * In AWS, tables usually come from infrastructure code; this keeps local and test setups
 * one command away.
 */
export async function ensureTable(client: DynamoDBClient, def: TableDefinition, timeoutMs = 30_000): Promise<void> {
  const keys = [def.partitionKey, def.sortKey, ...(def.indexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey])].filter(
    (k): k is string => k !== undefined,
  );
  const attributes: AttributeDefinition[] = [...new Set(keys)].map((name) => ({ AttributeName: name, AttributeType: 'S' }));
  const keySchema = (pk: string, sk?: string): KeySchemaElement[] => [
    { AttributeName: pk, KeyType: 'HASH' },
    ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
  ];
  const indexes: GlobalSecondaryIndex[] | undefined = def.indexes?.map((i) => ({
    IndexName: i.name,
    KeySchema: keySchema(i.partitionKey, i.sortKey),
    Projection: { ProjectionType: 'ALL' },
  }));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: def.name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributes,
        KeySchema: keySchema(def.partitionKey, def.sortKey),
        GlobalSecondaryIndexes: indexes,
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: def.name }));
      if (Table?.TableStatus === 'ACTIVE') break;
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`table ${def.name} did not become active within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (def.ttlAttribute) {
    await client
      .send(new UpdateTimeToLiveCommand({ TableName: def.name, TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true } }))
      .catch((err: Error) => {
        if (!/already enabled/i.test(err.message)) throw err;
      });
  }
}

/** Readiness probe: a one-item ListTables. */
export async function pingDynamo(client: DynamoDBClient): Promise<{ ok: boolean; error?: string }> {
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
