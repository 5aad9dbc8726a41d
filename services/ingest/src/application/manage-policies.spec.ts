import type { PolicySetChangedData, TenantPolicyResource } from '@geopulse/contracts';
import { PolicyError } from '../domain/policy-error';
import { ManagePolicies, type PolicyRepository } from './manage-policies';

/** The repository port in memory (its DynamoDB side is covered by test/policies.integration-spec.ts). */
class MemoryPolicies implements PolicyRepository {
  readonly items = new Map<string, TenantPolicyResource>();
  private readonly setVersions = new Map<string, number>();

  async get(tenantId: string, id: string) {
    return this.items.get(`${tenantId}/${id}`);
  }
  async list(tenantId: string) {
    return [...this.items.values()].filter((p) => p.tenantId === tenantId).sort((a, b) => a.id.localeCompare(b.id));
  }
  async put(policy: TenantPolicyResource, expectedVersion: number | null) {
    const stored = this.items.get(`${policy.tenantId}/${policy.id}`);
    if (expectedVersion === null ? stored : stored?.version !== expectedVersion) return false;
    this.items.set(`${policy.tenantId}/${policy.id}`, policy);
    return true;
  }
  async remove(tenantId: string, id: string, expectedVersion?: number) {
    const stored = this.items.get(`${tenantId}/${id}`);
    if (!stored || (expectedVersion !== undefined && stored.version !== expectedVersion)) return false;
    return this.items.delete(`${tenantId}/${id}`);
  }
  async nextSetVersion(tenantId: string) {
    const next = (this.setVersions.get(tenantId) ?? 0) + 1;
    this.setVersions.set(tenantId, next);
    return next;
  }
}

const PERMIT = 'permit (principal is Geopulse::User, action == Geopulse::Action::"device:write", resource) when { principal.roles.contains("viewer") };';

function setup(maxPerTenant = 2) {
  const published: PolicySetChangedData[] = [];
  const repo = new MemoryPolicies();
  const policies = new ManagePolicies(repo, { publish: async (set) => void published.push(set) }, { maxPerTenant, maxBytes: 300 }, () => new Date('2026-11-30T12:00:00.000Z'));
  return { repo, policies, published };
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: PolicyError) => ({ code: e.code, message: e.message }));

describe('tenant policies', () => {
  it('publishes the whole set with a new version after every change', async () => {
    const { policies, published } = setup();
    await policies.create('acme', { id: 'a', policy: PERMIT }, 'ada');
    await policies.create('acme', { id: 'b', description: 'second', policy: PERMIT }, 'ada');
    await policies.replace('acme', 'a', { policy: PERMIT.replace('viewer', 'guest') }, 1);
    await policies.delete('acme', 'b', undefined);
    expect(published.map((s) => [s.version, s.policies.map((p) => p.id)])).toEqual([
      [1, ['a']],
      [2, ['a', 'b']],
      [3, ['a', 'b']],
      [4, ['a']],
    ]);
    expect(published[3].policies[0].policy).toContain('"guest"');
    expect(await policies.get('acme', 'a')).toMatchObject({ version: 2, createdBy: 'ada', tenantId: 'acme' });
  });

  it("refuses invalid policies with Cedar's message, and checks without storing on validate", async () => {
    const { policies, published } = setup();
    expect(await failure(policies.create('acme', { id: 'x', policy: 'permit (principal, action, resource) when { resource.colour == "red" };' }, 'ada'))).toEqual({
      code: 'INVALID_POLICY',
      message: expect.stringMatching(/attribute `colour`/),
    });
    expect(await failure(policies.create('acme', { policy: PERMIT }, 'ada'))).toMatchObject({ code: 'INVALID_POLICY' });
    expect(await failure(policies.create('acme', { id: 'Bad Id', policy: PERMIT }, 'ada'))).toMatchObject({ code: 'INVALID_POLICY' });
    expect(await failure(policies.create('acme', { id: 'x', policy: PERMIT, extra: 1 }, 'ada'))).toMatchObject({ code: 'INVALID_POLICY' });
    expect(await failure(policies.create('acme', { id: 'x', policy: `${PERMIT} // ${'x'.repeat(300)}` }, 'ada'))).toMatchObject({ code: 'POLICY_TOO_LARGE' });
    expect(policies.validate({ policy: PERMIT })).toEqual({ valid: true });
    expect(policies.validate({ policy: 'permit (' })).toMatchObject({ valid: false, errors: [{ path: '/policy' }] });
    expect(published).toEqual([]);
  });

  it('answers conflicts on If-Match and a taken id, 404 on unknown ids, and enforces the per-tenant limit', async () => {
    const { policies } = setup(2);
    await policies.create('acme', { id: 'a', policy: PERMIT }, 'ada');
    expect(await failure(policies.create('acme', { id: 'a', policy: PERMIT }, 'ada'))).toMatchObject({ code: 'POLICY_EXISTS' });
    expect(await failure(policies.replace('acme', 'a', { policy: PERMIT }, 5))).toMatchObject({ code: 'CONCURRENT_UPDATE', message: expect.stringMatching(/at version 1/) });
    expect(await failure(policies.delete('acme', 'a', 2))).toMatchObject({ code: 'CONCURRENT_UPDATE' });
    expect(await failure(policies.get('acme', 'nope'))).toMatchObject({ code: 'POLICY_NOT_FOUND' });
    expect(await failure(policies.get('other', 'a'))).toMatchObject({ code: 'POLICY_NOT_FOUND' });
    await policies.create('acme', { id: 'b', policy: PERMIT }, 'ada');
    expect(await failure(policies.create('acme', { id: 'c', policy: PERMIT }, 'ada'))).toEqual({
      code: 'TENANT_LIMIT_REACHED',
      message: 'the tenant has reached its limit of 2 policies (INGEST_MAX_POLICIES_PER_TENANT); delete one, or raise the limit',
    });
    await policies.create('other', { id: 'c', policy: PERMIT }, 'ada');
  });
});
