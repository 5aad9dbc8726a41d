import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const MAX_ATTEMPTS = 8;

/** Jittered exponential backoff before a retry of what DynamoDB left unprocessed. */
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2000) * (0.5 + Math.random() / 2)));

/** Puts items in BatchWriteItem requests of 25, retrying what DynamoDB leaves unprocessed (throttling) with backoff. */
export async function batchPut(doc: DynamoDBDocumentClient, table: string, items: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error(`DynamoDB left ${requests.length} item(s) of ${table} unprocessed after ${MAX_ATTEMPTS} attempts`);
      if (attempt > 0) await backoff(attempt);
      const result = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (result.UnprocessedItems?.[table] ?? []).map((r) => ({ PutRequest: { Item: r.PutRequest!.Item! } }));
    }
  }
}
