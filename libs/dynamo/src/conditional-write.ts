import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/**
 * Runs a conditional write (Put/Update/Delete with a ConditionExpression, or a transaction)
 * and resolves false when the condition did not hold (or a transaction was cancelled, which
 * includes a conflicting concurrent transaction: callers retry or report a conflict), true
 * when it was written; any other error is rethrown. Repositories use it for create-if-absent and optimistic concurrency.
 */
export async function conditionalWrite(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException || err instanceof TransactionCanceledException) return false;
    throw err;
  }
}
