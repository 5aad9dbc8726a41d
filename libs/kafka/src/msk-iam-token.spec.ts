import { generateAuthTokenFromCredentialsProvider, type GenerateAuthTokenOptions } from 'aws-msk-iam-sasl-signer-js';
import { mskIamTokenGenerator } from './msk-iam-token';

// AWS's documented example key pair: signing is local, no request leaves the process.
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

/** The real signer with static credentials instead of the default chain. */
const realSigner = (options: GenerateAuthTokenOptions) =>
  generateAuthTokenFromCredentialsProvider({ ...options, awsCredentialsProvider: async () => credentials });

describe('mskIamTokenGenerator', () => {
  it('produces a base64url presigned kafka-cluster:Connect URL for the region, valid 15 minutes', async () => {
    const before = Date.now();
    const token = await mskIamTokenGenerator('eu-west-1', realSigner)();

    expect(token.value).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(token.value, 'base64url').toString('utf8'));
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(token.value).not.toContain(credentials.secretAccessKey);
    // X-Amz-Date has second precision: expiry is 900 s after the signing second.
    expect(token.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(token.expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);
  });

  it('maps the signer\'s { token, expiryTime } to the provider\'s { value, expiresAt } and passes the region', async () => {
    const seen: string[] = [];
    const generate = mskIamTokenGenerator('us-gov-west-1', async ({ region }) => {
      seen.push(region);
      return { token: 'signed', expiryTime: 1234 };
    });
    expect(await generate()).toEqual({ value: 'signed', expiresAt: 1234 });
    expect(seen).toEqual(['us-gov-west-1']);
  });
});
