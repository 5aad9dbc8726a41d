import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OperatorTokens, ServiceProcess, waitFor } from '@geopulse/testing';
import { IngestFixture, waitReady, type Answer } from './ingest-fixture';

/**
 * Tenant Cedar policies (issue 13, decision 0105): added through ingest's /v1/policies, in
 * effect on both ingest replicas and in another service (rules) within seconds.
 */
const world = new IngestFixture({ INGEST_MAX_POLICIES_PER_TENANT: '3', INGEST_MAX_POLICY_BYTES: '1000' });
const tokens = new OperatorTokens(world.secret, world.tenant);
let rules: ServiceProcess;
let viewer: string;
let admin: string;

const VIEWERS_WRITE_DEVICES = 'permit (principal is Geopulse::User, action == Geopulse::Action::"device:write", resource) when { principal.roles.contains("viewer") };';
const NO_RULE_READS_FOR_VIEWERS = 'forbid (principal is Geopulse::User, action == Geopulse::Action::"rule:read", resource) when { principal.roles.contains("viewer") };';

beforeAll(async () => {
  await world.start(2);
  rules = await ServiceProcess.start({
    name: 'rules',
    env: { KAFKA_PARTITIONS: '3', KAFKA_TOPIC_PREFIX: world.topicPrefix, DYNAMODB_TABLE_PREFIX: world.topicPrefix, GEOPULSE_JWT_SECRET: world.secret, LOG_LEVEL: 'warn' },
    startTimeoutMs: 60_000,
  });
  await waitReady(rules);
  viewer = await tokens.role('viewer', 'vic');
  admin = await tokens.role('admin', 'ada');
}, 180_000);

afterAll(async () => {
  await world.stop();
  await rules?.stop();
});

const rename = (deviceId: string, replica: number): Promise<Answer> => world.call('PATCH', `/v1/devices/${deviceId}`, { token: viewer, body: { name: `renamed-${randomUUID().slice(0, 4)}` }, replica });

/** Polls until every replica answers the expected status (a loaded machine may take seconds). */
async function onBothReplicas(deviceId: string, status: number): Promise<Answer[]> {
  return waitFor(
    async () => {
      const answers = await Promise.all([0, 1].map((replica) => rename(deviceId, replica)));
      return answers.every((a) => a.status === status) ? answers : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 250, description: `both ingest replicas answer ${status}` },
  );
}

describe('tenant policies through /v1/policies', () => {
  it('a policy permitting viewers to write devices takes effect on both replicas, and stops with its deletion', async () => {
    const { deviceId } = await world.device();
    for (const replica of [0, 1]) {
      const denied = await rename(deviceId, replica);
      expect([denied.status, denied.body.code, denied.body.action, denied.body.policyIds]).toEqual([403, 'FORBIDDEN', 'device:write', []]);
      expect(denied.body.message).toMatch(/no policy permits it/);
    }

    // "Why was I denied": each replica logged the decision with the principal and the policies.
    for (const replica of world.replicas) {
      const lines = await waitFor(
        async () => {
          const found = readFileSync(replica.logPath!, 'utf8')
            .split('\n')
            .filter((line) => line.includes('"msg":"authorization"'))
            .map((line) => JSON.parse(line) as Record<string, unknown>)
            .filter((line) => line.principal === 'User::vic' && line.resource === `Device::${deviceId}`);
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 10_000, description: 'the denial in the log' },
      );
      expect(lines[0]).toMatchObject({ tenant: world.tenant, roles: 'viewer', action: 'device:write', decision: 'deny', policyIds: '' });
    }

    const created = await world.call('POST', '/v1/policies', { token: admin, body: { id: 'viewers-write-devices', description: 'viewers may edit devices', policy: VIEWERS_WRITE_DEVICES } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'viewers-write-devices', version: 1, createdBy: 'ada', policy: VIEWERS_WRITE_DEVICES });
    const started = Date.now();
    await onBothReplicas(deviceId, 200);
    expect(Date.now() - started).toBeLessThan(20_000);

    const listed = await world.call('GET', '/v1/policies', { token: viewer, replica: 1 });
    expect((listed.body.items as Array<{ id: string }>).map((p) => p.id)).toEqual(['viewers-write-devices']);

    expect((await world.call('DELETE', '/v1/policies/viewers-write-devices', { token: admin, replica: 1 })).status).toBe(204);
    await onBothReplicas(deviceId, 403);
    expect((await world.call('GET', '/v1/policies/viewers-write-devices', { token: admin })).status).toBe(404);
  }, 90_000);

  it("refuses an invalid policy with 400 and Cedar's validation message, and validates without storing", async () => {
    const unknownAttribute = await world.call('POST', '/v1/policies', { token: admin, body: { id: 'bad-attr', policy: 'permit (principal, action, resource) when { principal.department == "ops" };' } });
    expect([unknownAttribute.status, unknownAttribute.body.code]).toEqual([400, 'INVALID_POLICY']);
    expect(unknownAttribute.body.message).toMatch(/attribute `department` on entity type `Geopulse::(User|Device)` not found/);
    const unknownAction = await world.call('POST', '/v1/policies', { token: admin, body: { id: 'bad-action', policy: 'permit (principal, action == Geopulse::Action::"device:explode", resource);' } });
    expect([unknownAction.status, unknownAction.body.code]).toEqual([400, 'INVALID_POLICY']);
    expect(unknownAction.body.message).toMatch(/device:explode/);
    const syntax = await world.call('POST', '/v1/policies/validate', { token: viewer, body: { policy: 'permit (principal, action, resource' } });
    expect([syntax.status, syntax.body.valid]).toEqual([200, false]);
    expect((await world.call('POST', '/v1/policies/validate', { token: viewer, body: { policy: VIEWERS_WRITE_DEVICES } })).body).toEqual({ valid: true });
    expect((await world.call('GET', '/v1/policies/bad-attr', { token: admin })).status).toBe(404);
    // Only admins write policies (the built-in role table).
    const operator = await world.call('POST', '/v1/policies', { token: await tokens.role('operator'), body: { id: 'mine', policy: VIEWERS_WRITE_DEVICES } });
    expect([operator.status, operator.body.action]).toEqual([403, 'policy:write']);
  });

  it('a tenant forbid reaches another service (rules), and its 403 names the policy', async () => {
    const listRules = () => fetch(`${rules.baseUrl}/v1/rules`, { headers: { authorization: `Bearer ${viewer}` } });
    expect((await listRules()).status).toBe(200);
    expect((await world.call('POST', '/v1/policies', { token: admin, body: { id: 'no-rule-reads-for-viewers', policy: NO_RULE_READS_FOR_VIEWERS } })).status).toBe(201);
    const denied = await waitFor(
      async () => {
        const res = await listRules();
        return res.status === 403 ? ((await res.json()) as Record<string, unknown>) : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, description: 'rules applies the tenant forbid' },
    );
    expect(denied).toMatchObject({ code: 'FORBIDDEN', action: 'rule:read', policyIds: ['no-rule-reads-for-viewers'] });
    expect(denied.message).toMatch(/denied by policy no-rule-reads-for-viewers/);
    expect((await world.call('DELETE', '/v1/policies/no-rule-reads-for-viewers', { token: admin })).status).toBe(204);
    await waitFor(async () => (await listRules()).status === 200, { timeoutMs: 20_000, intervalMs: 250, description: 'rules drops the tenant forbid' });
  }, 60_000);

  it('a replica started after a tenant forbid enforces it from its first ready answer (readiness waits for the policies topic)', async () => {
    expect((await world.call('POST', '/v1/policies', { token: admin, body: { id: 'no-rule-reads-late', policy: NO_RULE_READS_FOR_VIEWERS } })).status).toBe(201);
    // The running rules replica has it within seconds; a new one must have it before it is ready.
    await waitFor(async () => (await fetch(`${rules.baseUrl}/v1/rules`, { headers: { authorization: `Bearer ${viewer}` } })).status === 403, { timeoutMs: 20_000, intervalMs: 250, description: 'rules applies the forbid' });
    const late = await ServiceProcess.start({
      name: 'rules',
      env: { KAFKA_PARTITIONS: '3', KAFKA_TOPIC_PREFIX: world.topicPrefix, DYNAMODB_TABLE_PREFIX: world.topicPrefix, GEOPULSE_JWT_SECRET: world.secret, LOG_LEVEL: 'warn' },
      startTimeoutMs: 60_000,
    });
    try {
      await waitReady(late);
      const first = await fetch(`${late.baseUrl}/v1/rules`, { headers: { authorization: `Bearer ${viewer}` } });
      expect(first.status).toBe(403);
      expect(((await first.json()) as { policyIds: string[] }).policyIds).toEqual(['no-rule-reads-late']);
      const readiness = (await (await fetch(`${late.baseUrl}/readyz`)).json()) as Record<string, unknown>;
      expect(JSON.stringify(readiness)).toContain('policies');
    } finally {
      await late.stop();
      expect((await world.call('DELETE', '/v1/policies/no-rule-reads-late', { token: admin })).status).toBe(204);
    }
  }, 120_000);

  it('versions every change with If-Match, and limits policies per tenant and per size', async () => {
    const policy = (id: string) => ({ id, policy: VIEWERS_WRITE_DEVICES.replace('viewer', `role-${id}`) });
    expect((await world.call('POST', '/v1/policies', { token: admin, body: policy('p1') })).status).toBe(201);
    expect((await world.call('POST', '/v1/policies', { token: admin, body: policy('p1') })).body.code).toBe('POLICY_EXISTS');

    const stale = await fetch(`${world.ingest.baseUrl}/v1/policies/p1`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'if-match': '7' }, body: JSON.stringify({ policy: policy('p1').policy }) });
    expect([stale.status, ((await stale.json()) as { code: string }).code]).toEqual([409, 'CONCURRENT_UPDATE']);
    const fresh = await fetch(`${world.ingest.baseUrl}/v1/policies/p1`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'if-match': '1' }, body: JSON.stringify({ description: 'v2', policy: policy('p1').policy }) });
    expect([fresh.status, ((await fresh.json()) as { version: number }).version]).toEqual([200, 2]);

    expect((await world.call('POST', '/v1/policies', { token: admin, body: policy('p2') })).status).toBe(201);
    expect((await world.call('POST', '/v1/policies', { token: admin, body: policy('p3') })).status).toBe(201);
    const full = await world.call('POST', '/v1/policies', { token: admin, body: policy('p4') });
    expect([full.status, full.body.code]).toEqual([409, 'TENANT_LIMIT_REACHED']);
    expect(full.body.message).toMatch(/limit of 3 policies \(INGEST_MAX_POLICIES_PER_TENANT\)/);

    const huge = await world.call('POST', '/v1/policies', { token: admin, body: { id: 'huge', policy: `${VIEWERS_WRITE_DEVICES} // ${'x'.repeat(1000)}` } });
    expect([huge.status, huge.body.code]).toEqual([413, 'POLICY_TOO_LARGE']);
    for (const id of ['p1', 'p2', 'p3']) expect((await world.call('DELETE', `/v1/policies/${id}`, { token: admin })).status).toBe(204);
  });
});
