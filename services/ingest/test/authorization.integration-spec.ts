import { randomUUID } from 'node:crypto';
import { auditLinesMatching, authorizationMismatches, callRoute, OperatorTokens, type RouteRecipe } from '@geopulse/testing';
import { IngestFixture, reading } from './ingest-fixture';

const world = new IngestFixture();
const tokens = new OperatorTokens(world.secret, world.tenant);
let feeder: { deviceId: string; key: string };

beforeAll(async () => {
  await world.start();
  feeder = await world.device();
}, 120_000);

afterAll(() => world.stop());

const base = () => world.ingest.baseUrl;

/** A tenant policy that decides nothing (no token carries the role), so the matrix keeps the built-in answers. */
const HARMLESS = 'forbid (principal is Geopulse::User, action, resource) when { principal.roles.contains("nobody-has-this-role") };';

async function policy(): Promise<string> {
  const id = `p-${randomUUID().slice(0, 8)}`;
  const res = await callRoute(base(), 'POST', { path: '/v1/policies', body: { id, policy: HARMLESS } }, await tokens.role('admin'));
  if (res.status !== 201) throw new Error(`creating policy ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return id;
}

const recipes: Record<string, RouteRecipe> = {
  'POST /v1/devices': { action: 'device:write', call: async () => ({ path: '/v1/devices', body: { deviceId: `dev-${randomUUID().slice(0, 8)}`, name: 'new' } }) },
  'GET /v1/devices': { action: 'device:read', call: async () => ({ path: '/v1/devices' }) },
  'GET /v1/devices/{id}': { action: 'device:read', call: async () => ({ path: `/v1/devices/${(await world.device()).deviceId}` }) },
  'PATCH /v1/devices/{id}': { action: 'device:write', call: async () => ({ path: `/v1/devices/${(await world.device()).deviceId}`, body: { name: 'renamed' } }) },
  'DELETE /v1/devices/{id}': { action: 'device:write', call: async () => ({ path: `/v1/devices/${(await world.device()).deviceId}` }) },
  'POST /v1/devices/{id}/keys': { action: 'device-key:rotate', call: async () => ({ path: `/v1/devices/${(await world.device()).deviceId}/keys`, body: { graceSeconds: 60 } }) },
  'DELETE /v1/devices/{id}/keys/{keyId}': {
    action: 'device-key:revoke',
    call: async () => {
      const device = await world.device();
      return { path: `/v1/devices/${device.deviceId}/keys/${device.keyId}` };
    },
  },
  'POST /v1/devices/{id}/commands': { action: 'command:send', call: async () => ({ path: `/v1/devices/${feeder.deviceId}/commands`, body: { name: 'setTemperature', args: { value: 21 } } }) },
  'GET /v1/devices/{id}/commands': { action: 'command:read', call: async () => ({ path: `/v1/devices/${feeder.deviceId}/commands` }) },
  'GET /v1/devices/{id}/commands/{commandId}': { action: 'command:read', call: async () => ({ path: `/v1/devices/${feeder.deviceId}/commands/${(await world.call('POST', `/v1/devices/${feeder.deviceId}/commands`, { body: { name: 'ping' } })).body.commandId as string}` }) },
  'GET /v1/tenant/settings': { action: 'policy:read', call: async () => ({ path: '/v1/tenant/settings' }) },
  'PUT /v1/tenant/settings': { action: 'policy:write', call: async () => ({ path: '/v1/tenant/settings', body: { timeZone: 'Europe/Amsterdam' } }) },
  'POST /v1/policies/validate': { action: 'policy:read', call: async () => ({ path: '/v1/policies/validate', body: { policy: HARMLESS } }) },
  'POST /v1/policies': { action: 'policy:write', call: async () => ({ path: '/v1/policies', body: { id: `p-${randomUUID().slice(0, 8)}`, policy: HARMLESS } }) },
  'GET /v1/policies': { action: 'policy:read', call: async () => ({ path: '/v1/policies' }) },
  'GET /v1/policies/{id}': { action: 'policy:read', call: async () => ({ path: `/v1/policies/${await policy()}` }) },
  'PUT /v1/policies/{id}': { action: 'policy:write', call: async () => ({ path: `/v1/policies/${await policy()}`, body: { policy: HARMLESS } }) },
  'DELETE /v1/policies/{id}': { action: 'policy:write', call: async () => ({ path: `/v1/policies/${await policy()}` }) },
  'POST /v1/telemetry': { action: 'telemetry:write', call: async () => ({ path: '/v1/telemetry', body: reading({ deviceId: feeder.deviceId, id: randomUUID() }) }) },
};

describe('ingest authorization (issue 18)', () => {
  it('answers every route by role (viewer reads, operator writes devices and telemetry, only admin rotates and revokes keys) and refuses tokens without exp, sub, tenant or with a too long lifetime', async () => {
    expect(await authorizationMismatches({ baseUrl: base(), tokens, recipes })).toEqual([]);
  }, 240_000);

  it('records who registered and who last changed a device, from the token', async () => {
    const deviceId = `who-${randomUUID().slice(0, 8)}`;
    const created = await callRoute(base(), 'POST', { path: '/v1/devices', body: { deviceId } }, await tokens.role('operator', 'olivia'));
    expect((created.body.device as Record<string, unknown>) ?? created.body).toMatchObject({ deviceId, createdBy: 'olivia', updatedBy: 'olivia' });
    const changed = await callRoute(base(), 'PATCH', { path: `/v1/devices/${deviceId}`, body: { name: 'renamed' } }, await tokens.role('operator', 'oscar'));
    expect(changed.body).toMatchObject({ name: 'renamed', createdBy: 'olivia', updatedBy: 'oscar' });
    expect((await callRoute(base(), 'POST', { path: `/v1/devices/${deviceId}/keys`, body: {} }, await tokens.role('admin', 'adam'))).status).toBe(201);
    const read = await callRoute(base(), 'GET', { path: `/v1/devices/${deviceId}` }, await tokens.role('viewer'));
    expect(read.body).toMatchObject({ name: 'renamed', createdBy: 'olivia', updatedBy: 'adam' });
  });

  it('keeps device keys working on telemetry without any role, and audits operator telemetry but not device telemetry', async () => {
    expect((await world.send(reading(), feeder.key)).status).toBe(202);
    const id = randomUUID();
    const posted = await callRoute(base(), 'POST', { path: '/v1/telemetry', body: reading({ deviceId: feeder.deviceId, id }) }, await tokens.role('operator', 'backfiller'));
    expect(posted.status).toBe(202);
    const lines = await auditLinesMatching(world.ingest.logPath!, [{ tenant: world.tenant, sub: 'backfiller', action: 'telemetry:write', resource: '/v1/telemetry', outcome: 'success', status: 202 }]);
    expect(lines.filter((line) => line.action === 'telemetry:write' && line.sub === undefined)).toEqual([]);
  });
});
