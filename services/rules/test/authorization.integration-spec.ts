import { randomUUID } from 'node:crypto';
import { auditLinesMatching, authorizationMismatches, callRoute, OperatorTokens, type RouteRecipe, type ServiceProcess } from '@geopulse/testing';
import { newRulesStack, startRules, type RulesStack } from './support/rules-harness';

let s: RulesStack;
let rules: ServiceProcess;
let tokens: OperatorTokens;

beforeAll(async () => {
  s = await newRulesStack('authz');
  rules = await startRules(s);
  tokens = new OperatorTokens(s.secret, s.tenant);
}, 120_000);

afterAll(async () => {
  await rules?.stop();
});

const rule = (id: string) => ({ id, name: `Rule ${id}`, expression: 'temperature > 30', status: 'ACTIVE', severity: 'WARNING', target: {}, for: 'PT0S' });

/** A rule that exists, created by an admin, for routes that change or delete one. */
async function existingRule(): Promise<string> {
  const id = `r-${randomUUID().slice(0, 8)}`;
  const created = await callRoute(rules.baseUrl, 'POST', { path: '/v1/rules', body: rule(id) }, await tokens.role('admin'));
  if (created.status !== 201) throw new Error(`creating ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  return id;
}

const recipes: Record<string, RouteRecipe> = {
  'POST /v1/rules': { action: 'rule:write', call: async () => ({ path: '/v1/rules', body: rule(`r-${randomUUID().slice(0, 8)}`) }) },
  'GET /v1/rules': { action: 'rule:read', call: async () => ({ path: '/v1/rules' }) },
  'POST /v1/rules/validate': { action: 'rule:read', call: async () => ({ path: '/v1/rules/validate', body: { expression: 'temperature > 30' } }) },
  'GET /v1/rules/{id}': { action: 'rule:read', call: async () => ({ path: `/v1/rules/${await existingRule()}` }) },
  'PUT /v1/rules/{id}': {
    action: 'rule:write',
    call: async () => {
      const id = await existingRule();
      return { path: `/v1/rules/${id}`, body: { ...rule(id), expression: 'temperature > 31' } };
    },
  },
  'DELETE /v1/rules/{id}': { action: 'rule:write', call: async () => ({ path: `/v1/rules/${await existingRule()}` }) },
  'GET /v1/alerts': { action: 'alert:read', call: async () => ({ path: '/v1/alerts' }) },
  'GET /v1/alerts/{alertId}/explain': { action: 'alert:read', call: async () => ({ path: `/v1/alerts/${s.tenant}:r:d:1/explain` }) },
  'POST /v1/rules/{id}/explain': { action: 'rule:read', call: async () => ({ path: `/v1/rules/${await existingRule()}/explain`, body: { deviceId: 'd-1' } }) },
  'POST /v1/rules/backtest': {
    action: 'rule:read',
    call: async () => ({ path: '/v1/rules/backtest', body: { rule: rule('bt'), deviceIds: ['d-1'], from: '2026-11-01T00:00:00Z', to: '2026-11-01T01:00:00Z' } }),
  },
  'GET /v1/rules/backtests/{jobId}': { action: 'rule:read', call: async () => ({ path: `/v1/rules/backtests/${randomUUID()}` }) },
};

describe('rules authorization (issue 18)', () => {
  it('answers every route by role (viewer reads, operator and admin write) and refuses tokens without exp, sub, tenant or with a too long lifetime', async () => {
    expect(await authorizationMismatches({ baseUrl: rules.baseUrl, tokens, recipes })).toEqual([]);
  }, 120_000);

  it('records who created and who last changed a rule, from the token', async () => {
    const id = `who-${randomUUID().slice(0, 8)}`;
    const created = await callRoute(rules.baseUrl, 'POST', { path: '/v1/rules', body: rule(id) }, await tokens.role('operator', 'olivia'));
    expect(created.body).toMatchObject({ id, createdBy: 'olivia', updatedBy: 'olivia' });
    const changed = await callRoute(rules.baseUrl, 'PUT', { path: `/v1/rules/${id}`, body: { ...rule(id), name: 'renamed' } }, await tokens.role('admin', 'adam'));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ createdBy: 'olivia', updatedBy: 'adam', createdAt: created.body.createdAt });
    expect(Date.parse(changed.body.updatedAt as string)).toBeGreaterThanOrEqual(Date.parse(created.body.createdAt as string));
    const read = await callRoute(rules.baseUrl, 'GET', { path: `/v1/rules/${id}` }, await tokens.role('viewer'));
    expect(read.body).toMatchObject({ name: 'renamed', createdBy: 'olivia', updatedBy: 'adam' });
  });

  it('writes one audit line per write (allowed and refused) with tenant, sub, action, resource, outcome and trace id, never the token', async () => {
    const id = `audit-${randomUUID().slice(0, 8)}`;
    const token = await tokens.role('operator', 'auditor-op');
    expect((await callRoute(rules.baseUrl, 'POST', { path: '/v1/rules', body: rule(id) }, token)).status).toBe(201);
    expect((await callRoute(rules.baseUrl, 'DELETE', { path: `/v1/rules/${id}` }, await tokens.role('viewer', 'auditor-viewer'))).status).toBe(403);
    const lines = await auditLinesMatching(rules.logPath!, [
      { tenant: s.tenant, sub: 'auditor-op', action: 'rule:write', resource: `/v1/rules/${id}`, outcome: 'success', status: 201 },
      { tenant: s.tenant, sub: 'auditor-viewer', action: 'rule:write', resource: `/v1/rules/${id}`, outcome: 'denied', status: 403, code: 'FORBIDDEN' },
    ]);
    expect(lines.find((line) => line.sub === 'auditor-op')).toMatchObject({ trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(JSON.stringify(lines)).not.toContain(token);
    expect(lines.every((line) => line.msg === 'audit' && typeof line.action === 'string')).toBe(true);
  });
});
