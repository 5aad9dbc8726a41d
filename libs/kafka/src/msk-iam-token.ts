import { generateAuthToken, type GenerateAuthTokenOptions, type GenerateAuthTokenResponse } from 'aws-msk-iam-sasl-signer-js';
import type { BearerTokenGenerator } from './oauth-bearer-provider';

/** The signer's call: `generateAuthToken` in production (AWS default credential chain). */
export type MskIamSigner = (options: GenerateAuthTokenOptions) => Promise<GenerateAuthTokenResponse>;

/**
 * MSK IAM tokens: a SigV4-presigned `kafka-cluster:Connect` URL for the cluster's region,
 * base64url-encoded, valid 15 minutes (less when the credentials expire sooner). The signer
 * answers `{ token, expiryTime }` (epoch ms); kafkajs wants `{ value }`, which the provider maps.
 */
export function mskIamTokenGenerator(region: string, sign: MskIamSigner = generateAuthToken): BearerTokenGenerator {
  return async () => {
    const { token, expiryTime } = await sign({ region });
    return { value: token, expiresAt: expiryTime };
  };
}
