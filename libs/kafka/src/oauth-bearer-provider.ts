/**
 * A SASL/OAUTHBEARER token source for kafkajs that caches one token and replaces it before it
 * expires. Framework-free: the token generator and the clock come in, so refresh timing is
 * unit-testable without waiting.
 *
 * kafkajs calls the provider on every authentication: each new connection, and each in-place
 * re-authentication (KIP-368) it starts within `reauthenticationThreshold` (10 s) of the session
 * lifetime the broker announced. The broker caps that lifetime at the token's expiry, so a token
 * handed out must still have clearly more than those 10 s to live: the margin below.
 */

/** What a generator returns: the bearer value and when it stops being accepted (epoch ms). */
export interface BearerToken {
  value: string;
  expiresAt: number;
}

export type BearerTokenGenerator = () => Promise<BearerToken>;

export interface OAuthBearerProviderOptions {
  generate: BearerTokenGenerator;
  /** Names the token source in errors, e.g. "MSK IAM (eu-west-1)"; never the token itself. */
  source: string;
  /** Epoch ms; default Date.now. */
  now?: () => number;
  /** A cached token is replaced once it has less than this left to live. Default 60 s. */
  refreshMarginMs?: number;
}

/** The shape kafkajs' `sasl.oauthBearerProvider` resolves to. */
export interface OAuthBearerValue {
  value: string;
}

export class OAuthBearerTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthBearerTokenError';
  }
}

export const DEFAULT_REFRESH_MARGIN_MS = 60_000;

function causeOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Returns the kafkajs provider. Concurrent authentications share one generation; a failed
 * generation is not cached, so the next authentication (kafkajs retries) tries again.
 */
export function createOAuthBearerProvider(options: OAuthBearerProviderOptions): () => Promise<OAuthBearerValue> {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  let cached: BearerToken | undefined;
  let pending: Promise<BearerToken> | undefined;

  const generate = async (): Promise<BearerToken> => {
    let token: BearerToken;
    try {
      token = await options.generate();
    } catch (error) {
      throw new OAuthBearerTokenError(`${options.source}: could not generate a SASL/OAUTHBEARER token (${causeOf(error)})`);
    }
    if (typeof token.value !== 'string' || token.value.length === 0) {
      throw new OAuthBearerTokenError(`${options.source}: the token generator returned an empty token`);
    }
    if (!Number.isFinite(token.expiresAt) || token.expiresAt - now() <= margin) {
      const left = Number.isFinite(token.expiresAt) ? `${Math.round((token.expiresAt - now()) / 1000)} s` : 'an invalid expiry';
      throw new OAuthBearerTokenError(
        `${options.source}: the new token has ${left} left to live, not more than the ${margin / 1000} s refresh margin (expired credentials?)`,
      );
    }
    return token;
  };

  return async () => {
    if (cached && cached.expiresAt - now() > margin) return { value: cached.value };
    pending ??= generate().finally(() => {
      pending = undefined;
    });
    cached = await pending;
    return { value: cached.value };
  };
}
