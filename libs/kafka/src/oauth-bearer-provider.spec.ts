import { createOAuthBearerProvider, OAuthBearerTokenError, type BearerToken } from './oauth-bearer-provider';

const MINUTE = 60_000;

/** A generator that hands out token-1, token-2, ... each living `lifetimeMs` from the clock's now. */
function fakeSigner(clock: { now: number }, lifetimeMs = 15 * MINUTE) {
  const calls: number[] = [];
  const generate = async (): Promise<BearerToken> => {
    calls.push(clock.now);
    return { value: `token-${calls.length}`, expiresAt: clock.now + lifetimeMs };
  };
  return { calls, generate };
}

describe('createOAuthBearerProvider', () => {
  it('reuses one token for every authentication until the refresh margin, then generates a new one', async () => {
    const clock = { now: 1_000_000 };
    const signer = fakeSigner(clock);
    const provider = createOAuthBearerProvider({ generate: signer.generate, source: 'MSK IAM (eu-west-1)', now: () => clock.now });

    expect(await provider()).toEqual({ value: 'token-1' });
    clock.now += 13 * MINUTE;
    expect(await provider()).toEqual({ value: 'token-1' });
    // 15-minute token, 60 s margin: from 14 minutes on, the next authentication gets a fresh token.
    clock.now += MINUTE;
    expect(await provider()).toEqual({ value: 'token-2' });
    expect(signer.calls).toEqual([1_000_000, 1_000_000 + 14 * MINUTE]);
  });

  it('never hands out a token with less than the margin left, so the broker session outlives kafkajs\' 10 s threshold', async () => {
    const clock = { now: 0 };
    const signer = fakeSigner(clock, 30_000);
    const provider = createOAuthBearerProvider({ generate: signer.generate, source: 'test', now: () => clock.now, refreshMarginMs: 15_000 });
    await provider();
    clock.now = 15_001;
    expect(await provider()).toEqual({ value: 'token-2' });
    clock.now = 29_999;
    expect(await provider()).toEqual({ value: 'token-2' });
    clock.now = 30_001;
    expect(await provider()).toEqual({ value: 'token-3' });
  });

  it('shares one generation between concurrent authentications', async () => {
    const clock = { now: 0 };
    const signer = fakeSigner(clock);
    const provider = createOAuthBearerProvider({ generate: signer.generate, source: 'test', now: () => clock.now });
    const values = await Promise.all([provider(), provider(), provider()]);
    expect(values.map((v) => v.value)).toEqual(['token-1', 'token-1', 'token-1']);
    expect(signer.calls).toHaveLength(1);
  });

  it('fails with the source and the cause, never the token, and retries on the next authentication', async () => {
    let fail = true;
    const secret = 'AKIAEXAMPLESECRET';
    const provider = createOAuthBearerProvider({
      source: 'MSK IAM (eu-west-1)',
      now: () => 0,
      generate: async () => {
        if (fail) throw new Error('Could not load credentials from any providers');
        return { value: secret, expiresAt: 15 * MINUTE };
      },
    });

    const error = await provider().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthBearerTokenError);
    expect((error as Error).message).toBe(
      'MSK IAM (eu-west-1): could not generate a SASL/OAUTHBEARER token (Error: Could not load credentials from any providers)',
    );
    fail = false;
    expect(await provider()).toEqual({ value: secret });
  });

  it('rejects a token that is empty or already too close to expiry, without printing it', async () => {
    const expired = createOAuthBearerProvider({ source: 'test', now: () => 100_000, generate: async () => ({ value: 'tok-x', expiresAt: 130_000 }) });
    const error = (await expired().catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('test: the new token has 30 s left to live, not more than the 60 s refresh margin (expired credentials?)');
    expect(error.message).not.toContain('tok-x');

    const empty = createOAuthBearerProvider({ source: 'test', now: () => 0, generate: async () => ({ value: '', expiresAt: 15 * MINUTE }) });
    await expect(empty()).rejects.toThrow('test: the token generator returned an empty token');

    const invalid = createOAuthBearerProvider({ source: 'test', now: () => 0, generate: async () => ({ value: 'v', expiresAt: Number.NaN }) });
    await expect(invalid()).rejects.toThrow('an invalid expiry');
  });
});
