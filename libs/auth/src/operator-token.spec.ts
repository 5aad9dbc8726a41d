import { SignJWT } from 'jose';
import { AuthError, bearerToken, OperatorTokenVerifier, signDevelopmentToken } from './operator-token';

const secret = 'a-development-secret-of-32-chars!!';
const verifier = new OperatorTokenVerifier({ kind: 'secret', secret });

async function failureOf(token: string): Promise<string> {
  try {
    await verifier.verify(token);
  } catch (err) {
    if (err instanceof AuthError) return err.code;
    throw err;
  }
  throw new Error('expected an AuthError');
}

describe('OperatorTokenVerifier (HS256)', () => {
  it('accepts a development token and returns sub, tenant and roles', async () => {
    const token = await signDevelopmentToken(secret, { sub: 'alice', tenant: 'acme' });
    await expect(verifier.verify(token)).resolves.toEqual({ sub: 'alice', tenant: 'acme', roles: ['admin'] });
  });

  it('rejects a token signed with another secret', async () => {
    const token = await signDevelopmentToken('another-secret-that-is-32-chars-long', { sub: 'a', tenant: 'acme' });
    await expect(failureOf(token)).resolves.toBe('INVALID_TOKEN');
  });

  it('rejects an expired token and one without tenant', async () => {
    const key = new TextEncoder().encode(secret);
    const expired = await new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key);
    await expect(failureOf(expired)).resolves.toBe('EXPIRED_TOKEN');
    const noTenant = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').sign(key);
    await expect(failureOf(noTenant)).resolves.toBe('NO_TENANT');
  });

  it('rejects the "none" algorithm and garbage', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"tenant":"acme"}').toString('base64url')}.`;
    await expect(failureOf(unsigned)).resolves.toBe('INVALID_TOKEN');
    await expect(failureOf('not-a-jwt')).resolves.toBe('INVALID_TOKEN');
  });
});

describe('bearerToken', () => {
  it('extracts the token from the header', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
