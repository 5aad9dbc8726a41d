import { ConfigResourceTypes } from 'kafkajs';
import { kafkaSettings } from '@geopulse/config';
import { topicName } from '@geopulse/contracts';
import { createKafkaClient, provisionTopics } from '@geopulse/kafka';
import { JsonLogger } from '@geopulse/observability';
import { readTopic, waitFor, type ServiceProcess } from '@geopulse/testing';
import { AlertCollector, api, newRulesStack, openAlertFeed, ReadingWriter, startRules, type AlertFeed, type RulesStack } from './support/rules-harness';

/**
 * Issue 10's wedge: one consumed batch of readings produced more alerts than the broker takes
 * in one request, the broker refused it, and the consumer retried that batch forever. Here the
 * alerts topic takes at most ALERTS_TOPIC_LIMIT per request (the production limit is 1 MiB; a
 * small one reproduces the same refusal with a burst that runs in seconds), and one batch's
 * alerts are several times that.
 */
const ALERTS_TOPIC_LIMIT = 32_768;
const DEVICES = 300;

let s: RulesStack;
let rules: ServiceProcess | undefined;
let writer: ReadingWriter;
let collector: AlertCollector;
let feed: AlertFeed | undefined;

/** Replaces the alerts topic's settings (alterConfigs is not incremental). */
async function setAlertsTopic(configs: Record<string, string>): Promise<void> {
  const settings = kafkaSettings({ ...(process.env as Record<string, string>), KAFKA_TOPIC_PREFIX: s.prefix });
  const admin = createKafkaClient(settings, 'rules-it-burst', new JsonLogger('rules-it', 'error').child('kafka')).admin();
  await admin.connect();
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topicName('alerts', s.prefix), configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
  });
  await admin.disconnect();
}

beforeAll(async () => {
  s = await newRulesStack('burst');
  // One partition, so the whole burst is one consumed batch; topics made before rules starts.
  const settings = kafkaSettings({ ...(process.env as Record<string, string>), KAFKA_TOPIC_PREFIX: s.prefix, KAFKA_PARTITIONS: '1' });
  await provisionTopics(createKafkaClient(settings, 'rules-it-burst', new JsonLogger('rules-it', 'error').child('kafka')), settings);
  await setAlertsTopic({ 'max.message.bytes': String(ALERTS_TOPIC_LIMIT) });
  feed = await openAlertFeed(s.prefix);
  ({ writer, collector } = feed);
}, 120_000);

afterAll(async () => {
  await feed?.close();
  await rules?.stop();
});

describe('rules under a burst of transitions', () => {
  it('publishes every alert of a batch whose alerts exceed the broker request limit, and stays ready', async () => {
    rules = await startRules(s, { KAFKA_PARTITIONS: '1' });
    const rule = await api('POST', `${rules.baseUrl}/v1/rules`, s.token, { id: 'hot', name: 'hot', expression: 'temperature > 50' });
    expect(rule.status).toBe(201);
    // The rule is in place; the burst is written while rules is down, so it is consumed as one batch.
    await waitFor(async () => (await api('GET', `${rules!.baseUrl}/v1/rules/hot`, s.token)).status === 200, { timeoutMs: 10_000, description: 'rule stored' });
    await rules.stop();

    const t0 = Date.now() - 60_000;
    const devices = Array.from({ length: DEVICES }, (_, i) => `burst-${i}`);
    await writer.writeMany(devices.map((deviceId, i) => ({ tenantId: s.tenant, deviceId, tsMs: t0 + i, metrics: { temperature: 60 + (i % 10), note: 'x'.repeat(200) } })));
    rules = await startRules(s, { KAFKA_PARTITIONS: '1' });

    await waitFor(async () => new Set(collector.of((a) => a.status === 'START').map((a) => a.id)).size >= DEVICES, {
      timeoutMs: 60_000,
      description: `${DEVICES} START alerts`,
    });
    const starts = collector.of((a) => a.status === 'START');
    const bytes = collector.alerts.reduce((sum, a) => sum + Buffer.byteLength(JSON.stringify(a.data)), 0);
    expect(bytes).toBeGreaterThan(3 * ALERTS_TOPIC_LIMIT);
    // Exactly one START per device, no other transition.
    expect(new Set(starts.map((a) => a.data.deviceId))).toEqual(new Set(devices));
    expect(new Set(starts.map((a) => a.id)).size).toBe(DEVICES);
    expect(collector.of((a) => a.status !== 'START')).toEqual([]);
    expect((await fetch(`${rules.baseUrl}/readyz`)).status).toBe(200);
    // Sent in several requests, none refused by the broker (before the fix: one refused request, retried forever).
    const metrics = await (await fetch(`${rules.baseUrl}/metrics`)).text();
    const alertsTopic = topicName('alerts', s.prefix);
    const sample = (name: string) => Number(new RegExp(`^${name}\\{[^}]*topic="${alertsTopic.replace(/\./g, '\\.')}"[^}]*\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    expect(sample('geopulse_kafka_produce_requests_total')).toBeGreaterThanOrEqual(3);
    expect(sample('geopulse_kafka_produce_failures_total')).toBe(0);
    // Nothing was too large to send on its own.
    const dead = await readTopic({ brokers: process.env.KAFKA_BROKERS!, topic: topicName('deadLetter', s.prefix), timeoutMs: 10_000 });
    expect(dead).toEqual([]);
  });
});
