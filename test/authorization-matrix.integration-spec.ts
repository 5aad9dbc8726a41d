// The authorization matrix (issue 13): every route of every service, read from the services'
// own OpenAPI documents (so a new route cannot be forgotten), times every kind of caller: no
// token, another tenant's admin, viewer, operator, admin, and a device key. What each caller
// should get comes from the role table (libs/auth); what the services answer is asked for real.
// Then the per-tenant limits: one tenant cannot exhaust a shared replica.
import { randomUUID } from 'node:crypto';
import { ROLE_ACTIONS, isAction, signDevelopmentToken, type Role } from '@geopulse/auth';
import { startPipeline, waitFor, type PipelineService, type ServiceProcess } from '@geopulse/testing';
import { newJwtSecret } from './support/platform';
import { allOperations, fill, inParallel, send, type Operation, type Outcome } from './support/routes';

const secret = newJwtSecret();
const prefix = `matrix-${randomUUID().slice(0, 6)}.`;
const LIMIT = 3;
/** Routes that need no operator token: health, metrics, API docs, the live map, and the broker's own callback (its own secret). */
const OPEN = /^(\/healthz|\/readyz|\/metrics|\/docs.*|\/|\/map-config\.json|\/internal\/mqtt\/authenticate)$/;
const marker = `SECRET-${randomUUID().slice(0, 8)}`;
const tenant = `t-${randomUUID().slice(0, 8)}`;
const suffix = randomUUID().slice(0, 6);
const ids = { device: `dev-${suffix}`, rule: `rule-${suffix}`, fence: `fence-${suffix}`, sub: `sub-${suffix}` };
let services: Record<PipelineService, ServiceProcess>;
const tokens: Record<Role | 'other', string> = { viewer: '', operator: '', admin: '', other: '' };
let deviceKey = '';
let keyId = '';

async function call(service: PipelineService, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${services[service].baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

beforeAll(async () => {
  services = await startPipeline({
    env: {
      GEOPULSE_JWT_SECRET: secret,
      KAFKA_TOPIC_PREFIX: prefix,
      DYNAMODB_TABLE_PREFIX: prefix,
      KAFKA_PARTITIONS: '2',
      LOG_LEVEL: 'error',
      INGEST_MAX_DEVICES_PER_TENANT: String(LIMIT),
      RULES_MAX_PER_TENANT: String(LIMIT),
      GEO_MAX_FENCES_PER_TENANT: String(LIMIT),
      NOTIFIER_MAX_SUBSCRIPTIONS_PER_TENANT: String(LIMIT),
      INGEST_MAX_POLICIES_PER_TENANT: String(LIMIT),
    },
  });
  for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = await signDevelopmentToken(secret, { sub: `${role}-1`, tenant, roles: [role] });
  tokens.other = await signDevelopmentToken(secret, { sub: 'intruder', tenant: `other-${randomUUID().slice(0, 8)}`, roles: ['admin'] });

  // The tenant's resources, each named with the marker no other caller may ever see.
  const device = await call('ingest', 'POST', '/v1/devices', tokens.admin, { deviceId: ids.device, name: marker, tags: ['fleet-a'] });
  expect(device.status).toBe(201);
  deviceKey = (device.body.key as { key: string }).key;
  keyId = (device.body.key as { keyId: string }).keyId;
  expect((await call('rules', 'POST', '/v1/rules', tokens.admin, { id: ids.rule, name: marker, expression: 'temperature > 30' })).status).toBe(201);
  const fence = { id: ids.fence, name: marker, geometry: { type: 'Circle', center: [4.89, 52.37], radiusMeters: 500 } };
  expect((await call('geo', 'POST', '/v1/geofences', tokens.admin, fence)).status).toBe(201);
  const subscription = { id: ids.sub, name: marker, filter: { types: ['alert.start'] }, channel: { type: 'email', to: ['ops@example.com'] } };
  expect((await call('notifier', 'POST', '/v1/subscriptions', tokens.admin, subscription)).status).toBe(201);
  const reading = await fetch(`${services.ingest.baseUrl}/v1/telemetry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${deviceKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ts: new Date().toISOString(), position: { lat: 52.37, lon: 4.89 }, metrics: { temperature: 35, label: marker } }),
  });
  expect(reading.status).toBe(202);
  // The tenant's own reads answer with the device before the matrix runs, so a 404 elsewhere means "not yours".
  await waitFor(async () => (await call('aggregator', 'GET', `/v1/devices/${ids.device}/state`, tokens.admin)).status === 200, { timeoutMs: 30_000, description: 'device state' });
  await waitFor(async () => (await call('geo', 'GET', `/v1/devices/${ids.device}/geofences`, tokens.admin)).status === 200, { timeoutMs: 30_000, description: 'device in geo' });
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(services ?? {}).map((s) => s.stop()));
});

/** The tenant's own resource for a path's id, by the collection it names; anything else a made-up id. */
function valueFor(op: Operation, name: string): string {
  if (name === 'keyId') return keyId;
  const collection = /^\/v1\/([^/]+)\//.exec(op.path)?.[1];
  const byCollection: Record<string, string> = { devices: ids.device, rules: ids.rule, geofences: ids.fence, subscriptions: ids.sub };
  return name === 'id' && collection && byCollection[collection] ? byCollection[collection] : `missing-${name}`;
}

const requestOf = (op: Operation) => ({ url: fill(op, (name) => valueFor(op, name)), ...(op.hasBody ? { body: '{}' } : {}) });
const show = (o: Outcome) => `${o.request} -> ${o.status} ${o.body.slice(0, 160)}`;

describe('authorization matrix: every route x every kind of caller', () => {
  let operations: Operation[];

  beforeAll(async () => {
    operations = (await allOperations(services)).filter((op) => !OPEN.test(op.path));
  });

  it('declares an action on every route that is not open, and only actions the role table knows', () => {
    expect(new Set(operations.map((o) => o.service)).size).toBe(5);
    expect(operations.filter((o) => !o.action).map((o) => `${o.service} ${o.method} ${o.path}`)).toEqual([]);
    expect(operations.filter((o) => !isAction(o.action!)).map((o) => `${o.service} ${o.method} ${o.path} ${o.action}`)).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(30);
  });

  it('refuses every route without a token (401) and with a device key (401/403), except telemetry for the key', async () => {
    const none = await inParallel(operations, 8, (op) => send(services, op, requestOf(op), ''));
    expect(none.filter((o) => o.status !== 401).map(show)).toEqual([]);
    const byDevice = await inParallel(operations, 8, async (op) => ({ op, outcome: await send(services, op, requestOf(op), `Bearer ${deviceKey}`) }));
    const telemetry = byDevice.filter(({ op }) => op.action === 'telemetry:write');
    expect(telemetry.length).toBeGreaterThan(0);
    // The device key writes telemetry (the '{}' body is refused as a reading, not as a caller).
    expect(telemetry.filter(({ outcome }) => outcome.status === 401 || outcome.status === 403).map(({ outcome }) => show(outcome))).toEqual([]);
    const refused = byDevice.filter(({ op }) => op.action !== 'telemetry:write');
    expect(refused.filter(({ outcome }) => outcome.status !== 401 && outcome.status !== 403).map(({ outcome }) => show(outcome))).toEqual([]);
  }, 120_000);

  it('answers the tenant\'s own reads with its data, so a refusal below is about the caller', async () => {
    const rule = await call('rules', 'GET', `/v1/rules/${ids.rule}`, tokens.viewer);
    expect([rule.status, rule.body.name]).toEqual([200, marker]);
    const fence = await call('geo', 'GET', `/v1/geofences/${ids.fence}`, tokens.viewer);
    expect([fence.status, fence.body.name]).toEqual([200, marker]);
  });

  it('never shows another tenant anything: its admin gets nothing but 404s and empty pages on the tenant\'s ids and never sees the tenant\'s data', async () => {
    const outcomes = await inParallel(operations, 8, async (op) => ({ op, outcome: await send(services, op, requestOf(op), `Bearer ${tokens.other}`) }));
    expect(outcomes.filter(({ outcome }) => outcome.status >= 500).map(({ outcome }) => show(outcome))).toEqual([]);
    expect(outcomes.filter(({ outcome }) => outcome.body.includes(marker)).map(({ outcome }) => show(outcome))).toEqual([]);
    const onIds = outcomes.filter(({ op }) => op.pathParams.length > 0 && op.path !== '/v1/devices/{id}/commands');
    expect(onIds.length).toBeGreaterThan(10);
    // History and aggregates answer any id with a page; for another tenant's device that page is empty, never its data.
    const emptyPage = (o: Outcome) => o.status === 200 && JSON.stringify((JSON.parse(o.body) as { items?: unknown[] }).items) === '[]';
    expect(onIds.filter(({ outcome }) => outcome.status < 300 && !emptyPage(outcome)).map(({ outcome }) => show(outcome))).toEqual([]);
  }, 120_000);

  it('gives each role exactly what the role table grants: 403 naming the action otherwise', async () => {
    const problems: string[] = [];
    let allowed = 0;
    // Weakest first: the operator's deletes come after the viewer's reads.
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const outcomes = await inParallel(operations, 4, async (op) => ({ op, outcome: await send(services, op, requestOf(op), `Bearer ${tokens[role]}`) }));
      for (const { op, outcome } of outcomes) {
        const grants = (ROLE_ACTIONS[role] as readonly string[]).includes(op.action!);
        if (outcome.status >= 500) problems.push(`${role}: ${show(outcome)}`);
        else if (grants && (outcome.status === 401 || outcome.status === 403)) problems.push(`${role} should be allowed: ${show(outcome)}`);
        else if (!grants && (outcome.status !== 403 || !outcome.body.includes(op.action!))) problems.push(`${role} should get 403 naming ${op.action}: ${show(outcome)}`);
        if (grants) allowed += 1;
        // Before anyone deleted anything, the viewer reads every one of the tenant's resources.
        if (role === 'viewer' && op.method === 'GET' && op.pathParams.length > 0 && !requestOf(op).url.includes('missing-') && outcome.status !== 200) {
          problems.push(`viewer should read the tenant's own resource: ${show(outcome)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(allowed).toBeGreaterThan(operations.length);
  }, 300_000);

});

describe('per-tenant limits', () => {
  const creates: Array<{ what: string; setting: string; service: PipelineService; path: string; body: (i: number) => Record<string, unknown> }> = [
    { what: 'devices', setting: 'INGEST_MAX_DEVICES_PER_TENANT', service: 'ingest', path: '/v1/devices', body: (i) => ({ deviceId: `d-${i}`, name: `d-${i}` }) },
    { what: 'rules', setting: 'RULES_MAX_PER_TENANT', service: 'rules', path: '/v1/rules', body: (i) => ({ id: `r-${i}`, name: `r-${i}`, expression: 'temperature > 30' }) },
    {
      what: 'geofences',
      setting: 'GEO_MAX_FENCES_PER_TENANT',
      service: 'geo',
      path: '/v1/geofences',
      body: (i) => ({ id: `f-${i}`, name: `f-${i}`, geometry: { type: 'Circle', center: [4.89, 52.37], radiusMeters: 100 + i } }),
    },
    {
      what: 'subscriptions',
      setting: 'NOTIFIER_MAX_SUBSCRIPTIONS_PER_TENANT',
      service: 'notifier',
      path: '/v1/subscriptions',
      body: (i) => ({ id: `s-${i}`, name: `s-${i}`, filter: { types: ['alert.start'] }, channel: { type: 'email', to: ['ops@example.com'] } }),
    },
    {
      what: 'policies',
      setting: 'INGEST_MAX_POLICIES_PER_TENANT',
      service: 'ingest',
      path: '/v1/policies',
      body: (i) => ({ id: `p-${i}`, policy: `forbid (principal is Geopulse::User, action, resource) when { principal.roles.contains("nobody-${i}") };` }),
    },
  ];

  it.each(creates)('refuses the $what past the limit with 409 naming it, and another tenant is not affected', async ({ setting, service, path, body }) => {
    const busy = await signDevelopmentToken(secret, { sub: 'busy', tenant: `busy-${randomUUID().slice(0, 8)}`, roles: ['admin'] });
    const calm = await signDevelopmentToken(secret, { sub: 'calm', tenant: `calm-${randomUUID().slice(0, 8)}`, roles: ['admin'] });
    for (let i = 0; i < LIMIT; i++) expect((await call(service, 'POST', path, busy, body(i))).status).toBe(201);
    const over = await call(service, 'POST', path, busy, body(LIMIT));
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('TENANT_LIMIT_REACHED');
    expect(String(over.body.message)).toContain(`limit of ${LIMIT}`);
    expect(String(over.body.message)).toContain(setting);
    expect((await call(service, 'POST', path, calm, body(0))).status).toBe(201);
  });
});
