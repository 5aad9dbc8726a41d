import type { QueryCommandOutput, ScanCommandOutput } from '@aws-sdk/lib-dynamodb';

type Key = Record<string, unknown>;

/**
 * Every page of a Query or Scan, in order: `read(start)` sends the command with
 * `ExclusiveStartKey: start`; paging stops when DynamoDB returns no LastEvaluatedKey.
 */
export async function readAllPages(read: (start: Key | undefined) => Promise<Pick<QueryCommandOutput | ScanCommandOutput, 'Items' | 'LastEvaluatedKey'>>): Promise<Key[]> {
  const items: Key[] = [];
  let start: Key | undefined;
  do {
    const page = await read(start);
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * The condition of a versioned put (optimistic concurrency), for `PutCommand`:
 * `null` creates only when no item has the key (`keyAttribute` absent), a number replaces only
 * the item of that `version`, `undefined` writes unconditionally. Run it with
 * conditionalWrite, which answers false when the condition did not hold.
 */
export function versionCondition(
  keyAttribute: string,
  expectedVersion: number | null | undefined,
): { ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
  if (expectedVersion === undefined) return {};
  if (expectedVersion === null) return { ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': keyAttribute } };
  return { ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': expectedVersion } };
}
