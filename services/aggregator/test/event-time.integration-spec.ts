// Event time per device (issue 20, decision 0204): a device's windows close by its own clock,
// backfills land in their windows or revise them once, and only data past the bound is
// dead-lettered. One aggregator process against real Kafka, Redis and DynamoDB Local.
import { topicName, type TelemetryAggregate, type TelemetryReading } from '@geopulse/contracts';
import { DEAD_LETTER_HEADERS } from '@geopulse/kafka';
import { createRedisClient, tenantKey, type RedisClient } from '@geopulse/redis';
import { readTopic, waitFor, type ServiceProcess } from '@geopulse/testing';
import { aggregatesOf, liveGroupDrained, metricValue, newJwtSecret, newTopicPrefix, operatorFor, reading, startAggregator, stackEnv, TelemetryFeed, type AggregateRecord } from './support/harness';

const MIN = 60_000;
const DAY = 86_400_000;
const IDLE_SECONDS = 15;
const secret = newJwtSecret();
const prefix = newTopicPrefix('evt');
// Default window (60 s) and out-of-orderness (0); lateness one day, so both bounds can be shown.
const env = { GEOPULSE_JWT_SECRET: secret, KAFKA_TOPIC_PREFIX: prefix, AGGREGATOR_DEVICE_IDLE_SECONDS: String(IDLE_SECONDS), AGGREGATOR_ALLOWED_LATENESS_SECONDS: '86400' };
let aggregator: ServiceProcess;
let feed: TelemetryFeed;
let redis: RedisClient;

beforeAll(async () => {
  aggregator = await startAggregator(env);
  feed = new TelemetryFeed(prefix);
  redis = createRedisClient(stackEnv().REDIS_URL, 'aggregator-it');
});

afterAll(async () => {
  redis?.disconnect();
  await feed?.close();
  await aggregator?.stop();
});

const minuteOf = (ms: number) => Math.floor(ms / MIN) * MIN;
const windowsOf = (records: readonly AggregateRecord[], deviceId: string) => records.filter((r) => r.data.deviceId === deviceId);

/** Readings of 30 devices stamped now (a few seconds apart), as a live fleet sends them. */
function liveFleet(tenant: string, now: number): TelemetryReading[] {
  const out: TelemetryReading[] = [];
  for (let i = 0; i < 3; i++) for (let d = 0; d < 30; d++) out.push(reading(tenant, `live-${d}`, now - 3000 + i * 1000, { metrics: { v: d } }));
  return out;
}

/** Dead letters of the tenant's device on the prefixed dead-letter topic: [reading id, reason, detail]. */
async function deadLettersOf(tenant: string, deviceId: string): Promise<Array<[string, string, string]>> {
  const records = await readTopic({ brokers: stackEnv().KAFKA_BROKERS, topic: topicName('deadLetter', prefix) });
  return records.filter((r) => r.key === `${tenant}:${deviceId}`).map((r) => [r.headers.ce_id, r.headers[DEAD_LETTER_HEADERS.reason], r.headers[DEAD_LETTER_HEADERS.detail]]);
}

/** Partition of each device's records on the telemetry topic. */
async function partitionsOf(tenant: string): Promise<Map<string, number>> {
  const records = await readTopic({ brokers: stackEnv().KAFKA_BROKERS, topic: topicName('telemetry', prefix) });
  return new Map(records.filter((r) => r.key?.startsWith(`${tenant}:`)).map((r) => [r.key!.slice(tenant.length + 1), r.partition]));
}

describe('event time per device', () => {
  it("gives a device's buffered upload its own window while the rest of its partition is live", async () => {
    const { tenant } = await operatorFor(secret);
    const now = Date.now();
    await feed.send(liveFleet(tenant, now));
    // Back in coverage: ten readings buffered ten minutes ago, uploaded after the fleet's live ones.
    const base = minuteOf(now - 10 * MIN);
    const values = [21.5, 19, 24, 22.5, 18.5, 20, 23, 21, 19.5, 25];
    await feed.send(values.map((v, i) => reading(tenant, 'offline', base + 2000 + i * 5000, { metrics: { temperature: v } })));

    const mine = await waitFor(
      async () => {
        const found = windowsOf(await aggregatesOf(prefix, tenant), 'offline');
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, description: "the offline device's window" },
    );
    expect(mine.map((a) => [a.data.windowStart, a.data.revision, a.data.count])).toEqual([[new Date(base).toISOString(), 0, 10]]);
    expect(mine[0].data.metrics.temperature).toEqual({ count: 10, min: 18.5, max: 25, sum: 214, avg: 21.4, last: 25 });
    // The live devices share its partitions: their clocks are ten minutes ahead, and did not matter.
    const partitions = await partitionsOf(tenant);
    expect([...partitions].some(([device, p]) => device !== 'offline' && p === partitions.get('offline'))).toBe(true);
    expect(await deadLettersOf(tenant, 'offline')).toEqual([]);
  });

  it('gives a device whose clock is an hour behind every other device on its partition all its windows', async () => {
    const { tenant } = await operatorFor(secret);
    const now = Date.now();
    const behind = minuteOf(now - 60 * MIN);
    const readings: TelemetryReading[] = [];
    // Three minutes of the lagging device, each of its readings sent after the live fleet's.
    for (let s = 0; s < 180; s += 15) {
      readings.push(...liveFleet(tenant, now).slice(0, 30), reading(tenant, 'behind', behind + s * 1000 + 500, { metrics: { v: s } }));
    }
    await feed.send(readings, 31);

    const mine = await waitFor(
      async () => {
        const found = windowsOf(await aggregatesOf(prefix, tenant), 'behind');
        return found.length >= 3 ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, description: "the lagging device's three windows" },
    );
    expect(mine.map((a) => [(Date.parse(a.data.windowStart) - behind) / MIN, a.data.revision, a.data.count, a.data.metrics.v.min, a.data.metrics.v.max])).toEqual([
      [0, 0, 4, 0, 45],
      [1, 0, 4, 60, 105],
      [2, 0, 4, 120, 165],
    ]);
    const partitions = await partitionsOf(tenant);
    expect([...partitions].some(([device, p]) => device !== 'behind' && p === partitions.get('behind'))).toBe(true);
    expect(await deadLettersOf(tenant, 'behind')).toEqual([]);
  });

  it('revises an emitted window exactly once with a backfill, across a SIGKILL of the aggregator in the middle', async () => {
    const { tenant } = await operatorFor(secret);
    const devices = 300;
    const now = Date.now();
    const base = minuteOf(now - 10 * MIN);
    const id = (d: number) => `bf-${d}`;
    // Live phase: five readings in the window of ten minutes ago, then one now: the device's own time closes that window.
    const live: TelemetryReading[] = [];
    for (let d = 0; d < devices; d++) {
      for (let i = 1; i <= 5; i++) live.push({ ...reading(tenant, id(d), base + i * 1000, { metrics: { v: i } }), id: `${tenant}-${d}-live-${i}` });
      live.push({ ...reading(tenant, id(d), now, { metrics: { v: 0 } }), id: `${tenant}-${d}-now` });
    }
    await feed.send(live, 1200);
    const windowId = (d: number, revision: number) => `${tenant}:${id(d)}:${base}:${revision}`;
    await waitFor(
      async () => {
        const ids = new Set((await aggregatesOf(prefix, tenant)).map((a) => a.id));
        return Array.from({ length: devices }, (_, d) => windowId(d, 0)).every((w) => ids.has(w)) || undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1000, description: `revision 0 of ${devices} windows` },
    );

    // Backfill: ten buffered readings per device into that emitted window; the aggregator dies in the middle.
    const backfill: TelemetryReading[] = [];
    for (let d = 0; d < devices; d++) {
      for (let i = 0; i < 10; i++) backfill.push({ ...reading(tenant, id(d), base + 10_000 + i * 1000, { metrics: { v: 10 + i } }), id: `${tenant}-${d}-bf-${i}` });
    }
    const consumedBefore = await metricValue(aggregator.baseUrl, 'geopulse_kafka_consumed_records_total', { group: `${prefix}geopulse-aggregator` });
    const sending = feed.send(backfill, 100);
    const consumedAtKill = await waitFor(
      async () => {
        const n = (await metricValue(aggregator.baseUrl, 'geopulse_kafka_consumed_records_total', { group: `${prefix}geopulse-aggregator` })) - consumedBefore;
        return n >= 600 ? n : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 25, description: '600 backfill readings consumed before the crash' },
    );
    const exit = await aggregator.kill();
    expect(exit.signal).toBe('SIGKILL');
    await sending;
    process.stdout.write(`backfill: SIGKILL after ${consumedAtKill} of ${backfill.length} backfill readings were consumed\n`);
    aggregator = await startAggregator({ ...env, PORT: String(aggregator.port) });

    // Drained, and nothing left to send: the group committed everything and no window of the tenant waits.
    await liveGroupDrained(prefix, 120_000);
    await waitFor(
      async () => {
        const sizes = await Promise.all([0, 1, 2].map((p) => redis.zcard(tenantKey(tenant, 'windows', 'pending', topicName('telemetry', prefix), String(p)))));
        return sizes.every((n) => n === 0) || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, description: 'no pending window of the tenant' },
    );

    const all = (await aggregatesOf(prefix, tenant)).filter((a) => a.data.windowStart === new Date(base).toISOString());
    const byId = new Map<string, TelemetryAggregate>();
    const conflicting: string[] = [];
    for (const a of all) {
      const seen = byId.get(a.id);
      if (seen && JSON.stringify(seen) !== JSON.stringify(a.data)) conflicting.push(a.id);
      byId.set(a.id, a.data);
    }
    // Copies of one id (a resend after the crash) are allowed and identical; other revisions are not.
    expect(conflicting).toEqual([]);
    const expectedIds = Array.from({ length: devices }, (_, d) => [windowId(d, 0), windowId(d, 1)]).flat();
    expect([...byId.keys()].sort()).toEqual(expectedIds.sort());
    const wrong = [...byId.values()]
      .filter((a) => a.revision === 1)
      .filter((a) => a.count !== 15 || a.metrics.v.count !== 15 || a.metrics.v.min !== 1 || a.metrics.v.max !== 19 || a.metrics.v.sum !== 15 + 145);
    expect(wrong.map((a) => `${a.deviceId}: count ${a.count}, max ${a.metrics.v.max}`)).toEqual([]);
    expect(await metricValue(aggregator.baseUrl, 'geopulse_aggregator_restored_windows_total')).toBeGreaterThan(0);
  }, 300_000);

  it('dead-letters readings past the bound with the reason: behind the device beyond the lateness, or older than the history keeps', async () => {
    const { tenant } = await operatorFor(secret);
    const now = Date.now();
    const tooFarBehind = { ...reading(tenant, 'old', now - 2 * DAY), id: `${tenant}-behind` };
    const pastHistory = { ...reading(tenant, 'old', now - 31 * DAY), id: `${tenant}-ancient` };
    const withinBound = { ...reading(tenant, 'old', now - 20 * 3_600_000, { metrics: { v: 7 } }), id: `${tenant}-within` };
    await feed.send([reading(tenant, 'old', now), tooFarBehind, pastHistory, withinBound]);

    const letters = await waitFor(
      async () => {
        const found = await deadLettersOf(tenant, 'old');
        return found.length >= 2 ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, description: 'two dead letters' },
    );
    expect(letters.map(([readingId, reason]) => [readingId, reason])).toEqual([
      [tooFarBehind.id, 'too-late'],
      [pastHistory.id, 'too-late'],
    ]);
    expect(letters[0][2]).toMatch(/AGGREGATOR_ALLOWED_LATENESS_SECONDS/);
    expect(letters[1][2]).toMatch(/AGGREGATOR_HISTORY_TTL_DAYS/);
    // 20 hours behind the device is within the one-day bound: it gets its window.
    const within = await waitFor(
      async () => {
        const found = windowsOf(await aggregatesOf(prefix, tenant), 'old').filter((a) => a.data.windowStart === new Date(minuteOf(Date.parse(withinBound.ts))).toISOString());
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, description: 'the window of the reading within the bound' },
    );
    expect(within.map((a) => [a.data.revision, a.data.count, a.data.metrics.v.max])).toEqual([[0, 1, 7]]);
  });
});
