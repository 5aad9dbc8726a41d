import { randomUUID } from 'node:crypto';
import { authorizationMismatches, callRoute, OperatorTokens, type RouteRecipe, type ServiceProcess } from '@geopulse/testing';
import { GeoWorld } from './support/geo-harness';

const world = new GeoWorld();
const tenant = `t-${randomUUID().slice(0, 8)}`;
const tokens = new OperatorTokens(world.secret, tenant);
let geo: ServiceProcess;

beforeAll(async () => {
  geo = await world.startGeo();
}, 120_000);

afterAll(async () => {
  await world.close();
  await geo?.stop();
});

const fence = (id: string, radiusMeters = 200) => ({ id, name: `Fence ${id}`, geometry: { type: 'Circle', center: [4.89, 52.37], radiusMeters } });
const newId = () => `f-${randomUUID().slice(0, 8)}`;

async function existingFence(): Promise<string> {
  const id = newId();
  const created = await callRoute(geo.baseUrl, 'POST', { path: '/v1/geofences', body: fence(id) }, await tokens.role('admin'));
  if (created.status !== 201) throw new Error(`creating ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  return id;
}

const recipes: Record<string, RouteRecipe> = {
  'POST /v1/geofences': { action: 'geofence:write', call: async () => ({ path: '/v1/geofences', body: fence(newId()) }) },
  'POST /v1/geofences/import': {
    action: 'geofence:write',
    call: async () => ({
      path: '/v1/geofences/import',
      body: { type: 'FeatureCollection', features: [{ type: 'Feature', id: newId(), properties: { name: 'Imported', radiusMeters: 50 }, geometry: { type: 'Point', coordinates: [4.9, 52.3] } }] },
    }),
  },
  'GET /v1/geofences': { action: 'geofence:read', call: async () => ({ path: '/v1/geofences' }) },
  'GET /v1/geofences/containing': { action: 'geofence:read', call: async () => ({ path: '/v1/geofences/containing?lat=52.37&lon=4.89' }) },
  'GET /v1/geofences/{id}': { action: 'geofence:read', call: async () => ({ path: `/v1/geofences/${await existingFence()}` }) },
  'PUT /v1/geofences/{id}': {
    action: 'geofence:write',
    call: async () => {
      const id = await existingFence();
      return { path: `/v1/geofences/${id}`, body: fence(id, 300) };
    },
  },
  'DELETE /v1/geofences/{id}': { action: 'geofence:write', call: async () => ({ path: `/v1/geofences/${await existingFence()}` }) },
  'POST /v1/geofences/forecast': { action: 'geofence:read', call: async () => ({ path: '/v1/geofences/forecast', body: { deviceIds: ['van-1'], horizonMinutes: 10 } }) },
  'GET /v1/geofences/{id}/report': { action: 'geofence:read', call: async () => ({ path: `/v1/geofences/${await existingFence()}/report?from=2026-11-02&to=2026-11-05&tz=Europe/London` }) },
  'GET /v1/devices/{id}/geofences': { action: 'geofence:read', call: async () => ({ path: '/v1/devices/van-1/geofences' }) },
};

describe('geo authorization (issue 18)', () => {
  it('answers every route by role (viewer reads, operator and admin write) and refuses tokens without exp, sub, tenant or with a too long lifetime', async () => {
    expect(await authorizationMismatches({ baseUrl: geo.baseUrl, tokens, recipes })).toEqual([]);
  }, 120_000);

  it('records who created and who last changed a geofence, from the token', async () => {
    const id = newId();
    const created = await callRoute(geo.baseUrl, 'POST', { path: '/v1/geofences', body: fence(id) }, await tokens.role('operator', 'olivia'));
    expect(created.body).toMatchObject({ id, createdBy: 'olivia', updatedBy: 'olivia' });
    const changed = await callRoute(geo.baseUrl, 'PUT', { path: `/v1/geofences/${id}`, body: fence(id, 400) }, await tokens.role('admin', 'adam'));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ createdBy: 'olivia', updatedBy: 'adam', createdAt: created.body.createdAt });
    const read = await callRoute(geo.baseUrl, 'GET', { path: `/v1/geofences/${id}` }, await tokens.role('viewer'));
    expect(read.body).toMatchObject({ geometry: { radiusMeters: 400 }, createdBy: 'olivia', updatedBy: 'adam' });
  });
});
