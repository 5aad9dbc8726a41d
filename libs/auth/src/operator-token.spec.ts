import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { AuthError, bearerToken, OperatorTokenVerifier, signDevelopmentToken } from './operator-token';

const secret = 'a-development-secret-of-32-chars!!';
const key = new TextEncoder().encode(secret);
const NOW = 1_800_000_000;
const verifier = new OperatorTokenVerifier({ kind: 'secret', secret, maxLifetimeSeconds: 86_400, clockSkewSeconds: 30 }, () => NOW);

async function failureOf(token: string, v: OperatorTokenVerifier = verifier): Promise<{ code: string; claim?: string; message: string }> {
  try {
    await v.verify(token);
  } catch (err) {
    if (err instanceof AuthError) return { code: err.code, message: err.message, ...err.details };
    throw err;
  }
  throw new Error('expected an AuthError');
}

/** An HS256 token with exactly these claims (no defaults). */
function token(claims: JWTPayload, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
}

const valid = { sub: 'alice', tenant: 'acme', roles: ['viewer'], iat: NOW - 60, exp: NOW + 3600 };

describe('OperatorTokenVerifier (HS256)', () => {
  it('accepts a development token and returns sub, tenant and roles', async () => {
    const dev = await signDevelopmentToken(secret, { sub: 'alice', tenant: 'acme' });
    const real = new OperatorTokenVerifier({ kind: 'secret', secret });
    await expect(real.verify(dev)).resolves.toEqual({ sub: 'alice', tenant: 'acme', roles: ['admin'] });
  });

  it('the development token lives 12 h, within the default maximum lifetime', async () => {
    const dev = await signDevelopmentToken(secret, { sub: 'alice', tenant: 'acme', roles: ['viewer'] });
    const payload = JSON.parse(Buffer.from(dev.split('.')[1], 'base64url').toString()) as JWTPayload;
    expect(payload.exp! - payload.iat!).toBe(12 * 3600);
    expect(payload.roles).toEqual(['viewer']);
  });

  it('keeps every role name, known or not (unknown ones grant nothing later)', async () => {
    await expect(verifier.verify(await token({ ...valid, roles: ['viewer', 'superuser', 7] }))).resolves.toEqual({ sub: 'alice', tenant: 'acme', roles: ['viewer', 'superuser'] });
  });

  it('rejects a token signed with another secret', async () => {
    const other = await signDevelopmentToken('another-secret-that-is-32-chars-long', { sub: 'a', tenant: 'acme' });
    await expect(failureOf(other)).resolves.toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('requires exp, sub and tenant, naming the missing claim', async () => {
    const { exp: _e, ...noExp } = valid;
    const { sub: _s, ...noSub } = valid;
    const { tenant: _t, ...noTenant } = valid;
    await expect(failureOf(await token(noExp))).resolves.toMatchObject({ code: 'MISSING_CLAIM', claim: 'exp', message: expect.stringContaining('"exp"') });
    await expect(failureOf(await token(noSub))).resolves.toMatchObject({ code: 'MISSING_CLAIM', claim: 'sub' });
    await expect(failureOf(await token({ ...valid, sub: ' ' }))).resolves.toMatchObject({ code: 'MISSING_CLAIM', claim: 'sub' });
    await expect(failureOf(await token(noTenant))).resolves.toMatchObject({ code: 'MISSING_CLAIM', claim: 'tenant' });
    await expect(failureOf(await token({ ...valid, tenant: '../etc' }))).resolves.toMatchObject({ code: 'INVALID_CLAIM', claim: 'tenant' });
  });

  it('accepts the Cognito custom:tenant claim', async () => {
    const { tenant: _t, ...rest } = valid;
    await expect(verifier.verify(await token({ ...rest, 'custom:tenant': 'acme' }))).resolves.toMatchObject({ tenant: 'acme' });
  });

  it('refuses a lifetime over the maximum, measured from iat or, without iat, from now', async () => {
    await expect(verifier.verify(await token({ ...valid, iat: NOW, exp: NOW + 86_400 }))).resolves.toMatchObject({ sub: 'alice' });
    await expect(failureOf(await token({ ...valid, iat: NOW - 10, exp: NOW + 86_400 + 60 }))).resolves.toMatchObject({ code: 'TOKEN_LIFETIME_TOO_LONG', claim: 'exp' });
    const { iat: _i, ...noIat } = valid;
    await expect(verifier.verify(await token({ ...noIat, exp: NOW + 3600 }))).resolves.toMatchObject({ sub: 'alice' });
    await expect(failureOf(await token({ ...noIat, exp: NOW + 2 * 86_400 }))).resolves.toMatchObject({ code: 'TOKEN_LIFETIME_TOO_LONG' });
    // a long-lived token whose iat is old enough to fit "exp - now" is still refused: its lifetime is exp - iat
    await expect(failureOf(await token({ ...valid, iat: NOW - 7 * 86_400, exp: NOW + 60 }))).resolves.toMatchObject({ code: 'TOKEN_LIFETIME_TOO_LONG' });
  });

  it('tolerates the configured clock skew on exp, nbf and iat, and no more', async () => {
    await expect(verifier.verify(await token({ ...valid, exp: NOW - 20 }))).resolves.toMatchObject({ sub: 'alice' });
    await expect(failureOf(await token({ ...valid, exp: NOW - 40 }))).resolves.toMatchObject({ code: 'EXPIRED_TOKEN' });
    await expect(verifier.verify(await token({ ...valid, nbf: NOW + 20 }))).resolves.toMatchObject({ sub: 'alice' });
    await expect(failureOf(await token({ ...valid, nbf: NOW + 40 }))).resolves.toMatchObject({ code: 'INVALID_TOKEN', message: expect.stringContaining('nbf') });
    await expect(failureOf(await token({ ...valid, iat: NOW + 40 }))).resolves.toMatchObject({ code: 'INVALID_CLAIM', claim: 'iat' });
  });

  it('accepts only HS256 with the development secret', async () => {
    await expect(failureOf(await token(valid, 'HS384'))).resolves.toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(failureOf(await token(valid, 'HS512'))).resolves.toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('rejects the "none" algorithm and garbage', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(valid)).toString('base64url')}.`;
    await expect(failureOf(unsigned)).resolves.toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(failureOf('not-a-jwt')).resolves.toMatchObject({ code: 'INVALID_TOKEN' });
  });
});

describe('OperatorTokenVerifier (JWKS)', () => {
  let server: Server;
  let jwksUrl: string;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const jwks = () => new OperatorTokenVerifier({ kind: 'jwks', jwksUrl, issuer: 'https://idp', maxLifetimeSeconds: 3600 });
  const claims = () => ({ sub: 'bob', tenant: 'acme', roles: ['operator'], iss: 'https://idp' });
  const now = () => Math.floor(Date.now() / 1000);

  it("accepts a token in the key's own algorithm and checks the same claims", async () => {
    const good = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt().setExpirationTime('10m').sign(rsa.privateKey);
    await expect(jwks().verify(good)).resolves.toEqual({ sub: 'bob', tenant: 'acme', roles: ['operator'] });
    const long = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt().setExpirationTime('2h').sign(rsa.privateKey);
    await expect(failureOf(long, jwks())).resolves.toMatchObject({ code: 'TOKEN_LIFETIME_TOO_LONG' });
  });

  it("refuses another algorithm than the key's, and HS256 signed with anything", async () => {
    const ps = await new SignJWT(claims()).setProtectedHeader({ alg: 'PS256', kid: 'k1' }).setIssuedAt().setExpirationTime('10m').sign(rsa.privateKey);
    await expect(failureOf(ps, jwks())).resolves.toMatchObject({ code: 'INVALID_TOKEN' });
    const hs = await new SignJWT({ ...claims(), iat: now(), exp: now() + 600 }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(key);
    await expect(failureOf(hs, jwks())).resolves.toMatchObject({ code: 'INVALID_TOKEN' });
  });
});

describe('bearerToken', () => {
  it('extracts the token from the header', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
