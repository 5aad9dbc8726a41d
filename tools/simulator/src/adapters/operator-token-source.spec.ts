import { OperatorTokenVerifier } from '@geopulse/auth';
import { OperatorTokenSource } from './operator-token-source';

const SECRET = 'a-development-secret-of-32-chars!!';

describe('OperatorTokenSource', () => {
  it('posts with the given token as it is', async () => {
    expect(await new OperatorTokenSource({ kind: 'given', token: 'eyJ.given' }).current()).toBe('eyJ.given');
  });

  it('signs a token for the tenant that the services accept, and signs a fresh one after an hour', async () => {
    let now = Date.now();
    const source = new OperatorTokenSource({ kind: 'signed', secret: SECRET, tenant: 'demo' }, () => now);
    const first = await source.current();
    expect(await new OperatorTokenVerifier({ kind: 'secret', secret: SECRET }).verify(first)).toEqual({
      sub: 'simulator',
      tenant: 'demo',
      roles: ['admin'],
    });
    expect(await source.current()).toBe(first);
    now += 3600_000;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // iat has second resolution
    expect(await source.current()).not.toBe(first);
  });
});
