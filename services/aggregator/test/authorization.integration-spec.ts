import { randomUUID } from 'node:crypto';
import { authorizationMismatches, OperatorTokens, type RouteRecipe, type ServiceProcess } from '@geopulse/testing';
import { newJwtSecret, newTopicPrefix, startAggregator } from './support/harness';

const secret = newJwtSecret();
const tokens = new OperatorTokens(secret, `t-${randomUUID().slice(0, 8)}`);
let aggregator: ServiceProcess;

beforeAll(async () => {
  const prefix = newTopicPrefix('authz');
  aggregator = await startAggregator({ GEOPULSE_JWT_SECRET: secret, KAFKA_TOPIC_PREFIX: prefix, DYNAMODB_TABLE_PREFIX: prefix });
}, 120_000);

afterAll(async () => {
  await aggregator?.stop();
});

const from = () => new Date(Date.now() - 3600_000).toISOString();

// The aggregator has read routes only: every role reads, no role grants nothing, bad tokens are 401.
const recipes: Record<string, RouteRecipe> = {
  'GET /v1/devices/nearby': { action: 'device:read', call: async () => ({ path: '/v1/devices/nearby?lat=52.37&lon=4.89&radius=1000' }) },
  'GET /v1/devices/within': { action: 'device:read', call: async () => ({ path: '/v1/devices/within?bbox=4.8,52.3,5.0,52.4' }) },
  'GET /v1/devices/{id}/history': { action: 'device:read', call: async () => ({ path: `/v1/devices/van-1/history?from=${from()}` }) },
  'GET /v1/devices/{id}/aggregates': { action: 'device:read', call: async () => ({ path: `/v1/devices/van-1/aggregates?from=${from()}` }) },
  'GET /v1/devices/{id}/state': { action: 'device:read', call: async () => ({ path: '/v1/devices/van-1/state' }) },
};

describe('aggregator authorization (issue 18)', () => {
  it('lets every role read, refuses a token without a known role, and tokens without exp, sub, tenant or with a too long lifetime', async () => {
    expect(await authorizationMismatches({ baseUrl: aggregator.baseUrl, tokens, recipes })).toEqual([]);
  }, 120_000);
});
