import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

describe('webhook signature', () => {
  const secret = 'a-very-secret-key';
  const body = '{"hello":"world"}';

  it('is HMAC-SHA256 over "<timestamp>.<body>" in hex, prefixed v1=', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(secret, 1700000000, body)).toBe(`v1=${expected}`);
  });

  it('verifies, and rejects a changed body, a wrong secret or an old timestamp', () => {
    const signature = signWebhook(secret, 1000, body);
    expect(verifyWebhookSignature(secret, { timestamp: '1000', signature }, body, 1010)).toBe(true);
    expect(verifyWebhookSignature(secret, { timestamp: '1000', signature }, `${body} `, 1010)).toBe(false);
    expect(verifyWebhookSignature('other-secret', { timestamp: '1000', signature }, body, 1010)).toBe(false);
    expect(verifyWebhookSignature(secret, { timestamp: '1000', signature }, body, 2000)).toBe(false);
    expect(verifyWebhookSignature(secret, { timestamp: undefined, signature }, body, 1000)).toBe(false);
  });
});
