import { Kafka, logLevel } from 'kafkajs';
import { consumerGroupName, type TelemetryAggregate } from '@geopulse/contracts';
import { waitFor, type ServiceProcess } from '@geopulse/testing';
import { aggregatesOf, getJson, latestRevisions, metricValue, newJwtSecret, newTopicPrefix, operatorFor, reading, startAggregator, stackEnv, TelemetryFeed } from './support/harness';

const W = 10_000;
const DEVICES = 30;
const PER_DEVICE = 200;
const secret = newJwtSecret();
const base = Math.floor((Date.now() - 10 * 60_000) / W) * W;
const running: ServiceProcess[] = [];

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

async function groupMembers(prefix: string): Promise<number> {
  const admin = new Kafka({ brokers: stackEnv().KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([consumerGroupName('geopulse-aggregator', prefix)]);
    return groups[0]?.state === 'Stable' ? groups[0].members.length : 0;
  } finally {
    await admin.disconnect();
  }
}

/** Runs the same feed through `replicas` aggregators on fresh topics; returns final windows and states by device. */
async function run(replicas: number): Promise<{ windows: Map<string, Omit<TelemetryAggregate, 'tenantId' | 'revision'>>; states: unknown[]; consumed: number[] }> {
  const prefix = newTopicPrefix(`rep${replicas}`);
  const { tenant, token } = await operatorFor(secret);
  const env = { GEOPULSE_JWT_SECRET: secret, KAFKA_TOPIC_PREFIX: prefix, AGGREGATOR_WINDOW_SECONDS: '10', AGGREGATOR_DEVICE_IDLE_SECONDS: '5' };
  const services: ServiceProcess[] = [];
  for (let i = 0; i < replicas; i++) {
    const service = await startAggregator(env);
    services.push(service);
    running.push(service);
  }
  await waitFor(async () => (await groupMembers(prefix)) === replicas, { timeoutMs: 60_000, intervalMs: 500, description: `${replicas} stable group member(s)` });
  const feed = new TelemetryFeed(prefix);
  const readings = [];
  for (let j = 0; j < PER_DEVICE; j++) {
    for (let d = 0; d < DEVICES; d++) {
      readings.push(reading(tenant, `rep-${d}`, base + j * 1000 + d * 7, { metrics: { speed: (j * 13 + d) % 50, load: d }, position: { lat: 52 + ((j * d) % 17) / 1000, lon: 4 + j / 5000 } }));
    }
  }
  await feed.send(readings, 1000);
  await feed.close();
  const expected = DEVICES * (PER_DEVICE / 10);
  const latest = await waitFor(
    async () => {
      const windows = latestRevisions(await aggregatesOf(prefix, tenant));
      return windows.size >= expected ? windows : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 2000, description: `${expected} windows with ${replicas} replica(s)` },
  );
  // Revision numbers are not compared: a pause of the feed longer than the idle time (a busy
  // CI machine) lets the idle-device clock close a window early and its remaining readings
  // arrive as late revisions. The newest revision's content must be the same.
  const windows = new Map([...latest].map(([key, { tenantId: _t, revision: _r, ...rest }]) => [key, rest]));
  const states = [];
  for (let d = 0; d < DEVICES; d += 7) {
    const { body } = await getJson<Record<string, unknown>>(`${services[0].baseUrl}/v1/devices/rep-${d}/state`, token);
    const { tenantId: _t, readingId: _r, receivedAt: _a, ...rest } = body;
    states.push(rest);
  }
  const consumed = await Promise.all(services.map((s) => metricValue(s.baseUrl, 'geopulse_kafka_consumed_records_total')));
  await Promise.all(services.map((s) => s.stop()));
  return { windows, states, consumed };
}

describe('replicas', () => {
  it('two aggregator replicas split the partitions and give the same windows and states as one', async () => {
    const two = await run(2);
    expect(two.consumed.every((n) => n > 0)).toBe(true);
    expect(two.consumed.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(DEVICES * PER_DEVICE);
    const one = await run(1);
    expect(two.windows.size).toBe(DEVICES * (PER_DEVICE / 10));
    expect([...two.windows.entries()].sort()).toEqual([...one.windows.entries()].sort());
    expect(two.states).toEqual(one.states);
  }, 240_000);
});
