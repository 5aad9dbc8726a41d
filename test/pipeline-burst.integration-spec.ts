// The whole pipeline under a burst: ingest -> Kafka -> aggregator, rules, geo -> notifier, all
// five services as real processes, 20,000 readings in which every reading causes an alert
// transition and a geofence transition (test/support/burst.ts says what each must produce).
import { DEAD_LETTER_HEADERS } from '@geopulse/kafka';
import {
  PIPELINE_GROUPS,
  scrapeMetric,
  startPipeline,
  waitFor,
  waitReady,
  type ConsumerService,
  type PipelineService,
  type ServiceProcess,
  type TopicRecord,
  type TopicTail,
} from '@geopulse/testing';
import type { AlertEventData, GeofenceTransitionData, TelemetryAggregate } from '@geopulse/contracts';
import { consumerGroupName } from '@geopulse/contracts';
import { BURST, Burst, dataOf, FENCE, followOutputs, newPrefix, recordsOf, RULE, StallWatch, transitionKey, waitDrained, WINDOW_SECONDS, type Reading } from './support/burst';
import { newJwtSecret, operatorFor, post } from './support/platform';

const DRAIN_TIMEOUT_MS = 10 * 60_000;
// Small enough that one alert carrying a fat reading (100 string metrics) is over it, large
// enough for every ordinary alert: that one record must be dead-lettered, its neighbours sent.
const RULES_MAX_REQUEST_BYTES = 16_384;
// A partition is stalled when a batch has not completed for this long (production default 60 s,
// decision 0008). On a 2-core CI box shared with other jobs one backlog batch of this burst
// (thousands of readings, each a transition with its DynamoDB Local write) has taken over a
// minute while progressing; a wedged partition never completes, so it still shows within the
// drain deadline.
const STALL_SECONDS = 180;

const env = () => process.env as Record<string, string>;
const secret = newJwtSecret();
const prefix = newPrefix('burst');
let services: Record<PipelineService, ServiceProcess>;
let tail: TopicTail;
let stalls: StallWatch;

beforeAll(async () => {
  services = await startPipeline({
    env: {
      GEOPULSE_JWT_SECRET: secret,
      KAFKA_TOPIC_PREFIX: prefix,
      DYNAMODB_TABLE_PREFIX: prefix,
      KAFKA_PARTITIONS: '3',
      LOG_LEVEL: 'warn',
      OTEL_TRACES_SAMPLER_ARG: '0.01',
      INGEST_RATE_PER_DEVICE: '1000',
      AGGREGATOR_WINDOW_SECONDS: String(WINDOW_SECONDS),
      KAFKA_PARTITION_STALL_SECONDS: String(STALL_SECONDS),
    },
    serviceEnv: { rules: { KAFKA_MAX_REQUEST_BYTES: String(RULES_MAX_REQUEST_BYTES) } },
  });
  tail = await followOutputs(env().KAFKA_BROKERS, prefix);
  stalls = new StallWatch(() => services).start();
}, 300_000);

afterAll(async () => {
  await stalls?.stop();
  await tail?.stop();
  await Promise.all(Object.values(services ?? {}).map((s) => s.stop()));
});

/** A tenant with the rule and the fence, through the services' own APIs. */
async function tenantWithRuleAndFence(): Promise<{ tenant: string; token: string }> {
  const op = await operatorFor(secret);
  const rule = await post(`${services.rules.baseUrl}/v1/rules`, op.token, JSON.stringify(RULE));
  expect(rule.status).toBe(201);
  const fence = await post(`${services.geo.baseUrl}/v1/geofences`, op.token, JSON.stringify(FENCE));
  expect(fence.status).toBe(201);
  return op;
}

/** Distinct ids per identity: identities seen, and those with more than one id. */
function idsBy<T>(records: TopicRecord[], identity: (data: T) => string | undefined): { identities: Set<string>; conflicting: string[] } {
  const ids = new Map<string, Set<string>>();
  for (const r of records) {
    const key = identity(dataOf<T>(r));
    if (key === undefined) continue;
    ids.set(key, (ids.get(key) ?? new Set()).add(r.headers.ce_id));
  }
  return { identities: new Set(ids.keys()), conflicting: [...ids].filter(([, s]) => s.size > 1).map(([k, s]) => `${k}: ${[...s].join(' ')}`) };
}

const missingFrom = (expected: Set<string>, actual: Set<string>) => [...expected].filter((x) => !actual.has(x));
const extraIn = (expected: Set<string>, actual: Set<string>) => [...actual].filter((x) => !expected.has(x));

/**
 * Waits until the output topics hold every expected event id, then asserts that they hold
 * exactly those: alerts by event id, geofence transitions by (device, fence, visit, transition)
 * with one id each, closed windows by aggregate id with one revision each. Copies of a record
 * with the same id are allowed (decisions 0201, 0300, 0400: at-least-once with recognisable
 * duplicates); a second id for the same transition or window is not.
 */
async function expectExactOutputs(burst: Burst): Promise<{ alerts: number; transitions: number; windows: number }> {
  const expectedAlerts = burst.expectedAlertIds();
  const expectedTransitions = burst.expectedTransitions();
  const expectedWindows = burst.expectedWindowIds();
  const isBurstDevice = (deviceId: string) => /^d-\d+$/.test(deviceId);
  const outputs = () => ({
    alerts: recordsOf(tail, prefix, 'alerts', burst.tenant).filter((r) => isBurstDevice(dataOf<AlertEventData>(r).deviceId)),
    transitions: recordsOf(tail, prefix, 'geofenceEvents', burst.tenant),
    windows: recordsOf(tail, prefix, 'aggregates', burst.tenant).filter((r) => isBurstDevice(dataOf<TelemetryAggregate>(r).deviceId)),
  });
  const closedWindowIds = (windows: TopicRecord[]) => new Set(windows.map((r) => r.headers.ce_id).filter((id) => expectedWindows.has(id)));
  let seen = '';
  await waitFor(
    async () => {
      const o = outputs();
      const alertIds = new Set(o.alerts.map((r) => r.headers.ce_id));
      const transitions = idsBy<GeofenceTransitionData>(o.transitions, (t) => transitionKey(t.deviceId, t.geofenceId, t.visitStartedAt, t.transition)).identities;
      seen = `alerts ${alertIds.size}/${expectedAlerts.size}, transitions ${transitions.size}/${expectedTransitions.size}, windows ${closedWindowIds(o.windows).size}/${expectedWindows.size}`;
      return (alertIds.size >= expectedAlerts.size && transitions.size >= expectedTransitions.size && closedWindowIds(o.windows).size >= expectedWindows.size) || undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1000, description: 'every expected alert, transition and window on its topic' },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; seen ${seen}`);
  });
  const o = outputs();
  const alertIds = new Set(o.alerts.map((r) => r.headers.ce_id));
  expect({ missing: missingFrom(expectedAlerts, alertIds).slice(0, 5), extra: extraIn(expectedAlerts, alertIds).slice(0, 5), size: alertIds.size }).toEqual({ missing: [], extra: [], size: expectedAlerts.size });

  const transitions = idsBy<GeofenceTransitionData>(o.transitions, (t) => transitionKey(t.deviceId, t.geofenceId, t.visitStartedAt, t.transition));
  expect({
    missing: missingFrom(expectedTransitions, transitions.identities).slice(0, 5),
    extra: extraIn(expectedTransitions, transitions.identities).slice(0, 5),
    conflicting: transitions.conflicting.slice(0, 5),
  }).toEqual({ missing: [], extra: [], conflicting: [] });

  // Every window of the burst (the last round's too, if it closed yet) has one revision and one id; each counted its one reading.
  const windows = idsBy<TelemetryAggregate>(o.windows, (a) => `${a.deviceId}|${a.windowStart}`);
  expect(windows.conflicting.slice(0, 5)).toEqual([]);
  const wrong = o.windows.map((r) => dataOf<TelemetryAggregate>(r)).filter((a) => a.revision !== 0 || a.count !== 1);
  expect(wrong.slice(0, 5)).toEqual([]);
  expect(closedWindowIds(o.windows).size).toBe(expectedWindows.size);
  return { alerts: o.alerts.length, transitions: o.transitions.length, windows: o.windows.length };
}

describe('the whole pipeline under a burst of transitions', () => {
  it('drains 20,000 readings that each flip an alert and a geofence visit: exact episodes, visits and windows, no stall, one oversize record dead-lettered', async () => {
    const { tenant, token } = await tenantWithRuleAndFence();
    stalls.reset();
    const burst = new Burst(tenant, BURST, 40 * 60_000);
    // One fat reading (100 string metrics of 256 characters, hot) among round 4's: its START
    // alert is over rules' request limit.
    const fat: Reading = {
      deviceId: 'fat',
      id: `${tenant}-fat`,
      ts: new Date(burst.ts(0, 4)).toISOString(),
      metrics: Object.fromEntries([['temperature', 60], ...Array.from({ length: 99 }, (_, i) => [`s${i}`, 'x'.repeat(256)])]) as Reading['metrics'],
    };
    const started = Date.now();
    await burst.send(services.ingest.baseUrl, token, { round: 4, readings: [fat] });
    const postedS = (Date.now() - started) / 1000;
    await waitDrained(env().KAFKA_BROKERS, prefix, DRAIN_TIMEOUT_MS);
    const drainedS = (Date.now() - started) / 1000;
    const counts = await expectExactOutputs(burst);
    process.stdout.write(
      `burst: ${burst.total} readings posted in ${postedS.toFixed(1)} s, every group drained at ${drainedS.toFixed(1)} s, outputs complete at ${((Date.now() - started) / 1000).toFixed(1)} s; records: ${counts.alerts} alerts, ${counts.transitions} transitions, ${counts.windows} windows\n`,
    );

    // The oversize alert is in the dead-letter topic with its reason; the fat device's
    // neighbours' alerts all went out (asserted above).
    const letters = await waitFor(
      async () => {
        const mine = recordsOf(tail, prefix, 'deadLetter', tenant).filter((r) => r.key === `${tenant}:fat`);
        return mine.length > 0 ? mine : undefined;
      },
      { timeoutMs: 30_000, description: 'the oversize alert in the dead-letter topic' },
    );
    expect(letters.map((r) => r.headers[DEAD_LETTER_HEADERS.reason])).toEqual(letters.map(() => 'record-too-large'));
    expect(letters.map((r) => r.headers.ce_id)).toContain(`${tenant}:${RULE.id}:fat:1:START`);
    // Nothing else of this tenant was dead-lettered.
    expect(recordsOf(tail, prefix, 'deadLetter', tenant).filter((r) => r.key !== `${tenant}:fat`).map((r) => r.headers[DEAD_LETTER_HEADERS.reason])).toEqual([]);

    await stalls.sample();
    expect([...stalls.exposing]).toEqual(expect.arrayContaining(['aggregator', 'geo', 'notifier', 'rules']));
    expect([...stalls.highest].filter(([, v]) => v !== 0)).toEqual([]);
  }, 1_200_000);

  it('loses and duplicates nothing when aggregator, rules, geo and notifier are each SIGKILLed once mid-burst and restarted', async () => {
    const { tenant, token } = await tenantWithRuleAndFence();
    stalls.reset();
    // Later event times than the first burst (windows close per device now, so this only keeps the two bursts apart).
    const burst = new Burst(tenant, BURST, 15 * 60_000);
    const consumed = async (service: ConsumerService) => {
      const group = PIPELINE_GROUPS.find((g) => g.service === service)!.groupId;
      return (await scrapeMetric(services[service].baseUrl, 'geopulse_kafka_consumed_records_total', { group: consumerGroupName(group, prefix) })).value;
    };
    const before = Object.fromEntries(await Promise.all((['aggregator', 'rules', 'geo', 'notifier'] as const).map(async (s) => [s, await consumed(s)] as const)));
    const killedAt: Record<string, number> = {};
    // Each consumer is killed once it has committed about a quarter of its share of the burst
    // (readings; for rules and notifier also the transitions they read), then started again on its port.
    const killMidway = async (service: ConsumerService, after: number) => {
      await waitFor(async () => (await consumed(service)) - before[service] >= after || undefined, {
        timeoutMs: DRAIN_TIMEOUT_MS,
        intervalMs: 100,
        description: `${service} consumed ${after} records of the burst`,
      });
      killedAt[service] = (await consumed(service)) - before[service];
      const exit = await services[service].kill();
      expect(exit.signal).toBe('SIGKILL');
      await services[service].start();
      await waitReady(services[service]);
    };
    const started = Date.now();
    const quarter = burst.total / 4;
    await Promise.all([
      burst.send(services.ingest.baseUrl, token),
      killMidway('aggregator', quarter),
      killMidway('rules', quarter),
      killMidway('geo', quarter),
      killMidway('notifier', quarter),
    ]);
    await waitDrained(env().KAFKA_BROKERS, prefix, DRAIN_TIMEOUT_MS);
    const drainedS = (Date.now() - started) / 1000;
    const counts = await expectExactOutputs(burst);
    process.stdout.write(
      `burst with SIGKILLs (killed after ${JSON.stringify(killedAt)} records): every group drained at ${drainedS.toFixed(1)} s, outputs complete at ${((Date.now() - started) / 1000).toFixed(1)} s; records: ${counts.alerts} alerts, ${counts.transitions} transitions, ${counts.windows} windows (copies with the same id allowed)\n`,
    );
    expect(recordsOf(tail, prefix, 'deadLetter', tenant).map((r) => `${r.headers.ce_id}: ${r.headers[DEAD_LETTER_HEADERS.reason]}`)).toEqual([]);
    await stalls.sample();
    expect([...stalls.highest].filter(([, v]) => v !== 0)).toEqual([]);
  }, 1_200_000);
});
