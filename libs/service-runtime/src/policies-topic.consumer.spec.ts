import { CedarAuthorizer, type AuthorizationRequest } from '@geopulse/auth';
import { PolicyReplayProgress, TenantPolicySync } from './policies-topic.consumer';

describe('TenantPolicySync', () => {
  const viewerWrites: AuthorizationRequest = {
    principal: { type: 'User', id: 'vic', tenant: 'acme', roles: ['viewer'] },
    action: 'device:write',
    resource: { type: 'Device', id: 'd1', tenant: 'acme' },
  };
  const open = { id: 'viewers-write', policy: 'permit (principal, action == Geopulse::Action::"device:write", resource);' };

  it('applies a newer set and ignores an older one arriving late', async () => {
    const authorizer = new CedarAuthorizer();
    const sync = new TenantPolicySync(authorizer);
    expect(sync.apply({ tenantId: 'acme', version: 2, policies: [open] })).toBe(true);
    expect((await authorizer.isAuthorized(viewerWrites)).policyIds).toEqual(['viewers-write']);
    expect(sync.apply({ tenantId: 'acme', version: 1, policies: [] })).toBe(false);
    expect((await authorizer.isAuthorized(viewerWrites)).allowed).toBe(true);
    expect(sync.apply({ tenantId: 'acme', version: 3, policies: [] })).toBe(true);
    expect((await authorizer.isAuthorized(viewerWrites)).allowed).toBe(false);
  });
});

describe('PolicyReplayProgress', () => {
  it('is ready once every record the topic held at the first check was applied, and stays ready', async () => {
    let asked = 0;
    let high = [{ partition: 0, high: 3n }, { partition: 1, high: 0n }];
    const progress = new PolicyReplayProgress(async () => {
      asked += 1;
      return high;
    });
    expect(await progress.check()).toEqual({ ok: false, error: expect.stringContaining('1 partition(s) behind') });
    progress.applyAt(0, 1n);
    expect((await progress.check()).ok).toBe(false);
    progress.applyAt(0, 2n);
    expect(await progress.check()).toEqual({ ok: true });
    // Later records never take readiness away, and the end offsets are read once.
    high = [{ partition: 0, high: 10n }, { partition: 1, high: 0n }];
    expect(await progress.check()).toEqual({ ok: true });
    expect(asked).toBe(1);
  });

  it('is not ready while the end offsets cannot be read, and asks again', async () => {
    let fail = true;
    const progress = new PolicyReplayProgress(async () => {
      if (fail) throw new Error('broker down');
      return [{ partition: 0, high: 0n }];
    });
    expect(await progress.check()).toEqual({ ok: false, error: expect.stringContaining('broker down') });
    fail = false;
    expect(await progress.check()).toEqual({ ok: true });
  });
});
