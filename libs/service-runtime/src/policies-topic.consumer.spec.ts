import { CedarAuthorizer, type AuthorizationRequest } from '@geopulse/auth';
import { TenantPolicySync } from './policies-topic.consumer';

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
