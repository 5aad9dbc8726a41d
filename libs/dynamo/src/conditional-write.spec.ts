import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { conditionalWrite } from './conditional-write';

describe('conditionalWrite', () => {
  it('is true when written, false when the condition failed, and rethrows anything else', async () => {
    await expect(conditionalWrite(async () => undefined)).resolves.toBe(true);
    await expect(conditionalWrite(async () => { throw new ConditionalCheckFailedException({ message: 'no', $metadata: {} }); })).resolves.toBe(false);
    await expect(conditionalWrite(async () => { throw new TransactionCanceledException({ message: 'no', $metadata: {} }); })).resolves.toBe(false);
    await expect(conditionalWrite(async () => { throw new Error('network'); })).rejects.toThrow('network');
  });
});
