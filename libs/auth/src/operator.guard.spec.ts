import { RoleAuthorizer } from './authorizer';
import { LoggedAuthorizer, type DecisionEntry } from './decision-log';
import { auditOutcomeOf } from './audit-log';
import { describeRequiredActions } from './openapi-actions';
import { AuthError } from './operator-token';
import { authorize, forbidden, resourceOfRoute } from './operator.guard';

const operator = (roles: string[]) => ({ sub: 'alice', tenant: 'acme', roles });

function refusal(fn: () => void): AuthError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AuthError) return err;
    throw err;
  }
  throw new Error('expected an AuthError');
}

describe('authorize', () => {
  it('passes when a role grants the action', () => {
    expect(() => authorize(operator(['operator']), 'rule:write')).not.toThrow();
    expect(() => authorize(operator(['bogus', 'viewer']), 'alert:read')).not.toThrow();
  });

  it('refuses with FORBIDDEN naming the action, the roles held and the roles needed', () => {
    const err = refusal(() => authorize(operator(['viewer']), 'rule:write'));
    expect([err.code, err.details]).toEqual(['FORBIDDEN', { action: 'rule:write' }]);
    expect(err.message).toBe('this token (roles viewer) does not grant rule:write; it needs role operator or admin');
    expect(refusal(() => authorize(operator([]), 'device-key:rotate')).message).toBe('this token (no roles) does not grant device-key:rotate; it needs role admin');
  });
});

describe('auditOutcomeOf', () => {
  it('records a refused write with the actor, never the token', () => {
    const request = { method: 'DELETE', path: '/v1/rules/r1', operator: operator(['viewer']), headers: { authorization: 'Bearer secret.token.value' } };
    const entry = auditOutcomeOf(request, 'rule:write', new AuthError('FORBIDDEN', 'no', { action: 'rule:write' }));
    expect(entry).toEqual({ tenant: 'acme', sub: 'alice', action: 'rule:write', resource: '/v1/rules/r1', outcome: 'denied', status: 403, code: 'FORBIDDEN' });
    expect(JSON.stringify(entry)).not.toContain('secret.token.value');
    expect(auditOutcomeOf({ path: '/v1/rules' }, 'rule:write', new AuthError('MISSING_CLAIM', 'no exp', { claim: 'exp' }))).toEqual({
      action: 'rule:write',
      resource: '/v1/rules',
      outcome: 'unauthenticated',
      status: 401,
      code: 'MISSING_CLAIM',
    });
  });
});

describe('describeRequiredActions', () => {
  it('appends the requirement to every operation that declares an action, and leaves the others alone', () => {
    const document = {
      paths: {
        '/v1/rules': { post: { description: 'Create a rule', 'x-geopulse-action': 'rule:write' }, get: { 'x-geopulse-action': 'rule:read' } },
        '/healthz': { get: { description: 'alive' } },
      },
    };
    const described = describeRequiredActions(document);
    expect(described.paths['/v1/rules'].post.description).toBe(
      'Create a rule\n\nRequires `rule:write`: an operator JWT with role `operator` or `admin`; otherwise 403 FORBIDDEN naming the action.',
    );
    expect((described.paths['/v1/rules'].get as { description?: string }).description).toMatch(/^Requires `rule:read`: an operator JWT with role `viewer` or `operator` or `admin`/);
    expect(described.paths['/healthz'].get.description).toBe('alive');
  });
});

describe('resourceOfRoute and forbidden', () => {
  it('takes the entity its path names, or the tenant for a collection', () => {
    expect(resourceOfRoute('/v1/rules/r1', 'r1', 'acme')).toEqual({ type: 'Rule', id: 'r1', tenant: 'acme' });
    expect(resourceOfRoute('/v1/devices/d1/geofences', 'd1', 'acme')).toEqual({ type: 'Device', id: 'd1', tenant: 'acme' });
    expect(resourceOfRoute('/v1/rules', undefined, 'acme')).toEqual({ type: 'Tenant', id: 'acme', tenant: 'acme' });
  });

  it('names the deciding policies, or says no policy permits it', () => {
    const byForbid = forbidden(operator(['admin']), 'device:write', { allowed: false, policyIds: ['no-writes-on-sunday'], errors: [] });
    expect([byForbid.message, byForbid.details]).toEqual([
      'this token (roles admin) does not grant device:write: denied by policy no-writes-on-sunday',
      { action: 'device:write', policyIds: ['no-writes-on-sunday'] },
    ]);
    expect(forbidden(operator(['viewer']), 'rule:write', { allowed: false, policyIds: [], errors: [] }).message).toBe(
      'this token (roles viewer) does not grant rule:write: no policy permits it (built-in: role operator or admin)',
    );
  });
});

describe('LoggedAuthorizer', () => {
  it('logs each decision with principal, action, resource, decision and the deciding policies', async () => {
    const entries: DecisionEntry[] = [];
    const authorizer = new LoggedAuthorizer(new RoleAuthorizer(), { record: (e) => entries.push(e) });
    await authorizer.isAuthorized({ principal: { type: 'User', id: 'vic', tenant: 'acme', roles: ['viewer'] }, action: 'rule:write', resource: { type: 'Rule', id: 'r1', tenant: 'acme' } });
    await authorizer.isAuthorized({ principal: { type: 'User', id: 'vic', tenant: 'acme', roles: ['viewer'] }, action: 'rule:read', resource: { type: 'Rule', id: 'r1', tenant: 'globex' } });
    expect(entries).toEqual([
      { tenant: 'acme', principal: 'User::vic', roles: ['viewer'], action: 'rule:write', resource: 'Rule::r1', decision: 'deny', policyIds: [] },
      { tenant: 'acme', principal: 'User::vic', roles: ['viewer'], action: 'rule:read', resource: 'Rule::r1 (tenant globex)', decision: 'deny', policyIds: ['builtin:forbid-cross-tenant'] },
    ]);
  });
});

describe('routes decided per resource (@RequiresPerResource)', () => {
  it('say in OpenAPI that the tenant\'s policies decide, still naming the action', () => {
    const document = { paths: { '/v1/devices/{id}/commands': { post: { description: 'Send', 'x-geopulse-action': 'command:send', 'x-geopulse-decided-per-resource': true } } } };
    const text = describeRequiredActions(document).paths['/v1/devices/{id}/commands'].post.description;
    expect(text).toMatch(/^Send\n\nRequires `command:send`, decided for each resource by the tenant's authorization policies \(built in: role `operator` or `admin`;/);
    expect(text).toContain('403 FORBIDDEN naming the action and the deciding policies');
  });
});
