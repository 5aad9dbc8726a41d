import { randomUUID } from 'node:crypto';
import { authorizationMismatches, callRoute, OperatorTokens, type RouteRecipe } from '@geopulse/testing';
import { NotifierFixture } from './notifier-fixture';

const fx = new NotifierFixture();
const tokens = new OperatorTokens(fx.secret, fx.tenant);

beforeAll(() => fx.start(), 120_000);
afterAll(() => fx.stop());

const subscription = (id: string, name = `Sub ${id}`) => ({ id, name, enabled: true, filter: { types: ['alert.start'], deviceIds: [`nobody-${id}`] }, channel: { type: 'email', to: ['ops@example.com'] } });
const newId = () => `s-${randomUUID().slice(0, 8)}`;

async function existingSubscription(): Promise<string> {
  const id = newId();
  const created = await callRoute(fx.notifier.baseUrl, 'POST', { path: '/v1/subscriptions', body: subscription(id) }, await tokens.role('admin'));
  if (created.status !== 201) throw new Error(`creating ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  return id;
}

const recipes: Record<string, RouteRecipe> = {
  'POST /v1/subscriptions': { action: 'subscription:write', call: async () => ({ path: '/v1/subscriptions', body: subscription(newId()) }) },
  'GET /v1/subscriptions': { action: 'subscription:read', call: async () => ({ path: '/v1/subscriptions' }) },
  'GET /v1/subscriptions/{id}': { action: 'subscription:read', call: async () => ({ path: `/v1/subscriptions/${await existingSubscription()}` }) },
  'PUT /v1/subscriptions/{id}': {
    action: 'subscription:write',
    call: async () => {
      const id = await existingSubscription();
      return { path: `/v1/subscriptions/${id}`, body: subscription(id, 'renamed') };
    },
  },
  'DELETE /v1/subscriptions/{id}': { action: 'subscription:write', call: async () => ({ path: `/v1/subscriptions/${await existingSubscription()}` }) },
  'POST /v1/subscriptions/{id}/test': { action: 'subscription:test', call: async () => ({ path: `/v1/subscriptions/${await existingSubscription()}/test` }) },
  'GET /v1/notifications': { action: 'notification:read', call: async () => ({ path: '/v1/notifications' }) },
  // A filter the route refuses: an allowed role gets 400 (the guard passed) instead of a stream that never ends.
  'GET /v1/stream': { action: 'device:read', call: async () => ({ path: '/v1/stream?types=not-a-type' }) },
};

describe('notifier authorization (issue 18)', () => {
  it('answers every route by role (viewer reads, operator and admin write) and refuses tokens without exp, sub, tenant or with a too long lifetime', async () => {
    expect(await authorizationMismatches({ baseUrl: fx.notifier.baseUrl, tokens, recipes })).toEqual([]);
  }, 120_000);

  it('records who created and who last changed a subscription, from the token', async () => {
    const id = newId();
    const created = await callRoute(fx.notifier.baseUrl, 'POST', { path: '/v1/subscriptions', body: subscription(id) }, await tokens.role('operator', 'olivia'));
    expect(created.body).toMatchObject({ id, createdBy: 'olivia', updatedBy: 'olivia' });
    const changed = await callRoute(fx.notifier.baseUrl, 'PUT', { path: `/v1/subscriptions/${id}`, body: subscription(id, 'renamed') }, await tokens.role('admin', 'adam'));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ createdBy: 'olivia', updatedBy: 'adam', createdAt: created.body.createdAt });
    const read = await callRoute(fx.notifier.baseUrl, 'GET', { path: `/v1/subscriptions/${id}` }, await tokens.role('viewer'));
    expect(read.body).toMatchObject({ name: 'renamed', createdBy: 'olivia', updatedBy: 'adam' });
  });
});
