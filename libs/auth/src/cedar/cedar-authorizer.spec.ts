import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIONS, ROLES, isAllowed } from '../access-policy';
import type { AuthorizationRequest, Principal } from '../authorizer';
import { CROSS_TENANT_POLICY_ID } from './builtin-policies';
import { CedarAuthorizer, checkTenantPolicy, commandArgsForCedar, complexityProblem, policiesOfFile } from './cedar-authorizer';

const user = (id: string, roles: string[], tenant = 'acme'): Principal => ({ type: 'User', id, tenant, roles });

/** command:send is always asked with the command and the local time (the other actions ignore a context). */
const anyCommand = { command: { name: 'reboot', args: {} }, localTime: { hour: 12, minute: 0, dayOfWeek: 'Mon', timeZone: 'UTC' } };

describe('CedarAuthorizer built-in policies', () => {
  const authorizer = new CedarAuthorizer();

  it('reproduces the role table exactly, for every role and action', async () => {
    const roleSets = [[], ['bogus'], ...ROLES.map((r) => [r]), ['viewer', 'admin']];
    for (const roles of roleSets) {
      for (const action of ACTIONS) {
        const decision = await authorizer.isAuthorized({ principal: user('alice', roles), action, resource: { type: 'Tenant', id: 'acme', tenant: 'acme' }, context: anyCommand });
        expect({ roles, action, allowed: decision.allowed, errors: decision.errors }).toEqual({ roles, action, allowed: isAllowed(roles, action), errors: [] });
      }
    }
  });

  it('names the role policy that allowed, and denies devices on operator actions', async () => {
    const ok = await authorizer.isAuthorized({ principal: user('alice', ['operator']), action: 'rule:write', resource: { type: 'Rule', id: 'r1', tenant: 'acme' } });
    expect(ok).toEqual({ allowed: true, policyIds: ['builtin:role-operator'], errors: [] });
    const device = await authorizer.isAuthorized({ principal: { type: 'Device', id: 'd1', tenant: 'acme' }, action: 'device:read', resource: { type: 'Device', id: 'd1', tenant: 'acme' } });
    expect(device.allowed).toBe(false);
  });

  it('forbids cross-tenant access even to an admin, naming the built-in forbid', async () => {
    const decision = await authorizer.isAuthorized({ principal: user('alice', ['admin']), action: 'device:read', resource: { type: 'Device', id: 'd1', tenant: 'globex' } });
    expect(decision).toEqual({ allowed: false, policyIds: [CROSS_TENANT_POLICY_ID], errors: [] });
  });
});

describe('tenant policies', () => {
  it('refuses an invalid policy with the validator message', () => {
    const unknownAttr = checkTenantPolicy({ id: 'p', text: 'permit (principal, action, resource) when { principal.department == "x" };' });
    expect(unknownAttr.valid).toBe(false);
    expect(!unknownAttr.valid && unknownAttr.errors.join()).toMatch(/department/);
    const unknownAction = checkTenantPolicy({ id: 'p', text: 'permit (principal, action == Geopulse::Action::"device:explode", resource);' });
    expect(!unknownAction.valid && unknownAction.errors.join()).toMatch(/device:explode/);
    expect(checkTenantPolicy({ id: 'p', text: 'permit (principal, action, resource' }).valid).toBe(false);
    const two = checkTenantPolicy({ id: 'p', text: 'permit (principal, action, resource); permit (principal, action, resource);' });
    expect(!two.valid && two.errors[0]).toMatch(/exactly one/);
    expect(checkTenantPolicy({ id: 'p', text: 'permit (principal is Geopulse::User, action == Geopulse::Action::"device:write", resource) when { principal.roles.contains("viewer") };' })).toEqual({ valid: true });
  });

  it('a tenant policy opens its own tenant, never another one, and can be removed', async () => {
    const authorizer = new CedarAuthorizer();
    const viewerWrites: AuthorizationRequest = { principal: user('vic', ['viewer']), action: 'device:write', resource: { type: 'Device', id: 'd1', tenant: 'acme' } };
    expect((await authorizer.isAuthorized(viewerWrites)).allowed).toBe(false);
    authorizer.setTenantPolicies('acme', [{ id: 'everyone-everything', text: 'permit (principal, action, resource);' }]);
    expect(await authorizer.isAuthorized(viewerWrites)).toEqual({ allowed: true, policyIds: ['everyone-everything'], errors: [] });
    const other = await authorizer.isAuthorized({ ...viewerWrites, resource: { type: 'Device', id: 'd1', tenant: 'globex' } });
    expect(other).toEqual({ allowed: false, policyIds: [CROSS_TENANT_POLICY_ID], errors: [] });
    // Another tenant's users are untouched by acme's policy.
    expect((await authorizer.isAuthorized({ ...viewerWrites, principal: user('gus', ['viewer'], 'globex'), resource: { type: 'Device', id: 'd1', tenant: 'globex' } })).allowed).toBe(false);
    authorizer.setTenantPolicies('acme', []);
    expect((await authorizer.isAuthorized(viewerWrites)).allowed).toBe(false);
  });

  it('leaves out a stored policy that does not validate, and keeps the others', () => {
    const authorizer = new CedarAuthorizer();
    const { rejected } = authorizer.setTenantPolicies('acme', [
      { id: 'bad', text: 'permit (principal, action, resource) when { resource.colour == "red" };' },
      { id: 'builtin:role-viewer', text: 'permit (principal, action, resource);' },
      { id: 'good', text: 'permit (principal, action, resource);' },
    ]);
    expect(rejected.map((r) => r.id)).toEqual(['bad', 'builtin:role-viewer']);
  });
});

describe('command arguments', () => {
  it('passes integers as Long and leaves out non-integers and undeclared names or types', () => {
    expect(commandArgsForCedar({ value: 74, unit: 'F', colour: 'red', level: 2.5, mode: 3, enabled: true })).toEqual({ value: 74, unit: 'F', enabled: true });
  });
});

describe('the thermostat policies of docs/policies/thermostat.cedar', () => {
  const authorizer = new CedarAuthorizer();
  const policies = policiesOfFile(readFileSync(join(__dirname, '../../../../docs/policies/thermostat.cedar'), 'utf8'));
  authorizer.setTenantPolicies('acme', policies);
  const thermostat = { type: 'Device', id: 'thermostat-1', tenant: 'acme', owner: 'olivia', tags: ['thermostat'] };
  const send = (principal: Principal, value: number, hour = 10, resource = thermostat) =>
    authorizer.isAuthorized({
      principal,
      action: 'command:send',
      resource,
      context: { command: { name: 'setTemperature', args: { value, unit: 'F' } }, localTime: { hour, minute: 0, dayOfWeek: 'Mon', timeZone: 'America/New_York' } },
    });

  it('every statement validates as a tenant policy', () => {
    expect(policies.map((p) => p.id)).toHaveLength(5);
    for (const policy of policies) expect([policy.id, checkTenantPolicy(policy)]).toEqual([policy.id, { valid: true }]);
  });

  it('the owner sets any temperature', async () => {
    expect(await send(user('olivia', []), 65)).toEqual({ allowed: true, policyIds: ['thermostat-owner-any-temperature'], errors: [] });
  });

  it('a guest sets 72..78 °F only, and a denial names the deciding policy', async () => {
    expect(await send(user('gina', ['guest']), 74)).toEqual({ allowed: true, policyIds: ['thermostat-guest-may-set-temperature'], errors: [] });
    expect(await send(user('gina', ['guest']), 80)).toEqual({ allowed: false, policyIds: ['thermostat-guest-only-72-to-78f'], errors: [] });
    expect((await send(user('gina', ['guest']), 71)).allowed).toBe(false);
    expect((await send(user('gina', ['guest']), 74.5)).allowed).toBe(false);
  });

  it('the power company only between 14:00 and 17:00 tenant time', async () => {
    expect((await send(user('power-co', ['utility']), 70, 15)).allowed).toBe(true);
    expect(await send(user('power-co', ['utility']), 70, 18)).toEqual({ allowed: false, policyIds: ['thermostat-utility-only-14-to-17'], errors: [] });
    expect((await send(user('power-co', ['utility']), 70, 13)).allowed).toBe(false);
  });

  it('denies everyone else, and anyone from another tenant by the built-in forbid', async () => {
    expect(await send(user('stranger', []), 70)).toEqual({ allowed: false, policyIds: [], errors: [] });
    expect(await send(user('olivia', ['admin'], 'elsewhere'), 70)).toEqual({ allowed: false, policyIds: [CROSS_TENANT_POLICY_ID], errors: [] });
  });
});

describe('policies too complex for the engine', () => {
  const wrap = (body: string) => `permit (principal, action, resource) when { ${body} };`;

  it('are refused before Cedar sees them (deep nesting and long chains trap the wasm engine for good)', () => {
    expect(complexityProblem(wrap(`${'('.repeat(200)}true${')'.repeat(200)}`))).toMatch(/nests \( \[ \{ 201 deep; at most 32/);
    expect(checkTenantPolicy({ id: 'p', text: wrap(Array(2000).fill('1').join(' + ') + ' == 1') })).toEqual({
      valid: false,
      errors: [expect.stringMatching(/holds 2000 operators; at most 128/)],
    });
    expect(complexityProblem(wrap(`principal.tenant == "${'('.repeat(500)}" // ${'['.repeat(500)}`))).toBeUndefined();
    expect(complexityProblem(`// "\n${wrap(`${'('.repeat(100)}true${')'.repeat(100)}`)} // "`)).toMatch(/deep/);
  });

  it('a policy at the limits still parses, validates and evaluates', async () => {
    const text = wrap(Array(130).fill('principal.tenant == "acme"').join(' && '));
    const atLimit = wrap(`${'('.repeat(30)}${Array(42).fill('principal.tenant == "acme"').join(' && ')}${')'.repeat(30)}`);
    expect(complexityProblem(text)).toMatch(/operators/);
    expect(checkTenantPolicy({ id: 'p', text: atLimit })).toEqual({ valid: true });
    const authorizer = new CedarAuthorizer();
    authorizer.setTenantPolicies('acme', [{ id: 'p', text: atLimit }]);
    expect((await authorizer.isAuthorized({ principal: user('vic', []), action: 'device:write', resource: { type: 'Device', id: 'd', tenant: 'acme' } })).policyIds).toEqual(['p']);
  });
});
