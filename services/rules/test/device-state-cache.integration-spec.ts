import { randomUUID } from 'node:crypto';
import { metricsRegistry } from '@geopulse/observability';
import { createRedisClient, type RedisClient } from '@geopulse/redis';
import type { DeviceState, DeviceStateChange } from '../src/application/ports';
import { applyReading } from '../src/domain/device-history';
import { RedisDeviceStateStore, ruleDeviceKey } from '../src/adapters/redis/device-state.store';

/**
 * Decision 0402: a replica keeps the device states it evaluates in memory, and uses one only
 * while Redis still holds its revision and write token; another writer's change (another
 * replica, the closer of a disabled rule, a previous owner after a rebalance) is read whole.
 */
let redis: RedisClient;
const tenant = `cache-${randomUUID().slice(0, 8)}`;

beforeAll(() => {
  redis = createRedisClient(process.env.REDIS_URL!, 'rules-it-cache');
});
afterAll(() => redis.disconnect());

async function lookups(outcome: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('geopulse_rules_state_cache_lookups_total')?.get();
  return metric?.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

function change(from: DeviceState, temperature: number, ts: number): DeviceStateChange {
  const { history } = applyReading(from.history, { id: `r-${ts}`, ts, metrics: { temperature } }, 60_000);
  return { history, alerts: { cold: { status: 'FIRING', episode: ts, ruleVersion: 1 } }, firing: { cold: true }, ttlMs: 60_000 };
}

it('answers from memory while Redis holds the revision it wrote, with what a fresh read gives', async () => {
  const store = new RedisDeviceStateStore(redis, 'topic', 1_000_000);
  const device = `d-${randomUUID().slice(0, 6)}`;
  const empty = await store.load(tenant, device);
  expect(empty.rev).toBe(0);
  expect(await store.save(tenant, device, 0, change(empty, 12, 1000))).toBe(true);
  const hits = await lookups('hit');
  const cached = await store.load(tenant, device);
  expect(await lookups('hit')).toBe(hits + 1);
  expect(cached).toEqual(await new RedisDeviceStateStore(redis, 'topic', 0).load(tenant, device));
  expect(cached.rev).toBe(1);
  expect(cached.alerts.cold.episode).toBe(1000);
  expect(cached.history.latest.temperature).toBe(12);
});

it('reads the whole state again when another replica wrote it, and its own stale write loses', async () => {
  const mine = new RedisDeviceStateStore(redis, 'topic', 1_000_000);
  const other = new RedisDeviceStateStore(redis, 'topic', 1_000_000);
  const device = `d-${randomUUID().slice(0, 6)}`;
  const first = await mine.load(tenant, device);
  expect(await mine.save(tenant, device, 0, change(first, 12, 1000))).toBe(true);
  const seenByOther = await other.load(tenant, device);
  expect(await other.save(tenant, device, seenByOther.rev, change(seenByOther, 30, 2000))).toBe(true);

  const stale = await lookups('stale');
  const now = await mine.load(tenant, device);
  expect(await lookups('stale')).toBe(stale + 1);
  expect(now.rev).toBe(2);
  expect(now.history.latest.temperature).toBe(30);
  expect(await mine.save(tenant, device, 1, change(now, 5, 3000))).toBe(false);
});

it('tells a recreated hash at the same revision from the one it remembers (write tokens)', async () => {
  const mine = new RedisDeviceStateStore(redis, 'topic', 1_000_000);
  const other = new RedisDeviceStateStore(redis, 'topic', 0);
  const device = `d-${randomUUID().slice(0, 6)}`;
  expect(await mine.save(tenant, device, 0, change(await mine.load(tenant, device), 12, 1000))).toBe(true);
  // The state expires (a silent device) and another replica starts it again: revision 1 again.
  await redis.del(ruleDeviceKey(tenant, device));
  expect(await other.save(tenant, device, 0, change(await other.load(tenant, device), 40, 5000))).toBe(true);
  const now = await mine.load(tenant, device);
  expect(now.rev).toBe(1);
  expect(now.history.latest.temperature).toBe(40);
});

it('keeps at most the configured bytes of state, least recently used leaving first', async () => {
  // A bound smaller than any state: only the newest stays.
  const store = new RedisDeviceStateStore(redis, 'topic', 1);
  const [a, b] = [`d-${randomUUID().slice(0, 6)}`, `d-${randomUUID().slice(0, 6)}`];
  await store.load(tenant, a);
  await store.load(tenant, b);
  const [hits, misses] = [await lookups('hit'), await lookups('miss')];
  await store.load(tenant, b);
  await store.load(tenant, a);
  expect(await lookups('hit')).toBe(hits + 1);
  expect(await lookups('miss')).toBe(misses + 1);
});

it("writes a batch's states in one pipeline, each its own compare-and-set, and reads them back in one", async () => {
  const store = new RedisDeviceStateStore(redis, 'topic', 1_000_000);
  const devices = [0, 1, 2].map((i) => ({ tenantId: tenant, deviceId: `b${i}-${randomUUID().slice(0, 6)}` }));
  const first = await store.loadMany(devices);
  expect(first.map((s) => s.rev)).toEqual([0, 0, 0]);
  // The middle device changes elsewhere first: its write in the batch must lose, the others win.
  const other = new RedisDeviceStateStore(redis, 'topic', 0);
  expect(await other.save(tenant, devices[1].deviceId, 0, change(first[1], 99, 500))).toBe(true);
  const timer = { partition: 2, dueAt: Date.now() + 60_000 };
  const saved = await store.saveMany(devices.map((d, i) => ({ ...d, rev: 0, change: { ...change(first[i], 10 + i, 1000), timer } })));
  expect(saved).toEqual([true, false, true]);
  const states = await store.loadMany(devices);
  expect(states.map((s) => [s.rev, s.history.latest.temperature])).toEqual([[1, 10], [1, 99], [1, 12]]);
  const due = await redis.zrangebyscore(store.timerKey(2), '-inf', '+inf');
  expect(due).toEqual(expect.arrayContaining([`${tenant}:${devices[0].deviceId}`, `${tenant}:${devices[2].deviceId}`]));
});
