import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes } from 'kafkajs';
import { EVENT_TYPES, consumerGroupName, topicName, type CloudEvent } from '@geopulse/contracts';
import { kafkaSettings, type KafkaSettings } from '@geopulse/config';
import { JsonLogger, metricsRegistry } from '@geopulse/observability';
import { readTopic, waitFor } from '@geopulse/testing';
import { BatchConsumer, createKafkaClient, DEAD_LETTER_HEADERS, EventProducer, NonRetriableError, provisionTopics, type ConsumedEvent } from '../src';

const log = new JsonLogger('kafka-it', 'error', () => undefined).child('test');
/** The broker refuses a record batch over this on the test's telemetry topic. */
const TOPIC_LIMIT = 16_384;

async function setup(overrides: Partial<KafkaSettings> = {}) {
  const settings: KafkaSettings = { ...kafkaSettings(process.env), topicPrefix: `it-${randomUUID().slice(0, 8)}.`, partitions: 3, ...overrides };
  const kafka = createKafkaClient(settings, 'kafka-it', log);
  await provisionTopics(kafka, settings);
  return { settings, kafka, telemetry: topicName('telemetry', settings.topicPrefix), deadLetter: topicName('deadLetter', settings.topicPrefix) };
}

const event = (n: number, device: string, padding = 200): { key: string; event: CloudEvent<{ n: number; device: string; pad: string }> } => ({
  key: `acme:${device}`,
  event: {
    specversion: '1.0',
    id: `e-${n}`,
    source: '/geopulse/test',
    type: EVENT_TYPES.reading,
    time: new Date(Date.UTC(2026, 10, 22, 10, 0, 0, n)).toISOString(),
    subject: device,
    datacontenttype: 'application/json',
    data: { n, device, pad: 'x'.repeat(padding) },
  },
});

async function gauge(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value))?.value;
}

describe('produce requests under the byte limit, failure classification and stall detection on a real broker', () => {
  it('adopts the topic limit, splits a publish that exceeds it (order per key kept) and dead-letters the one record over it', async () => {
    const { settings, kafka, telemetry, deadLetter } = await setup();
    const admin = kafka.admin();
    await admin.connect();
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: telemetry, configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_LIMIT) }] }] });
    await admin.disconnect();

    const producer = new EventProducer(kafka, settings, log, 10_000);
    await producer.connect();
    expect(producer.maxRequestBytes()).toBe(TOPIC_LIMIT);

    // ~150 KB in all: ten times what one request may carry, across four keys.
    const events = Array.from({ length: 400 }, (_, n) => event(n, `d${n % 4}`));
    const oversizeAt = 123;
    events[oversizeAt] = event(oversizeAt, 'd3', TOPIC_LIMIT * 2);
    const result = await producer.publish('telemetry', events);
    expect(result.deadLettered).toEqual([{ index: oversizeAt, key: 'acme:d3', bytes: expect.any(Number) }]);

    const arrived = await readTopic({ brokers: settings.brokers, topic: telemetry, minRecords: 399, timeoutMs: 30_000 });
    expect(arrived).toHaveLength(399);
    const byKey = new Map<string, number[]>();
    for (const r of arrived) byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), (JSON.parse(r.value!) as { n: number }).n]);
    for (const [key, ns] of byKey) {
      const expected = events.map((e, n) => ({ e, n })).filter(({ e, n }) => e.key === key && n !== oversizeAt).map(({ n }) => n);
      expect(ns).toEqual(expected);
    }

    const [dead] = await readTopic({ brokers: settings.brokers, topic: deadLetter, minRecords: 1, timeoutMs: 20_000 });
    expect(dead.key).toBe('acme:d3');
    expect(dead.headers[DEAD_LETTER_HEADERS.reason]).toBe('record-too-large');
    expect(dead.headers[DEAD_LETTER_HEADERS.topic]).toBe(telemetry);
    expect(dead.headers.ce_id).toBe(`e-${oversizeAt}`);
    expect(Number(dead.headers[DEAD_LETTER_HEADERS.truncatedFrom])).toBeGreaterThan(TOPIC_LIMIT * 2);
    await producer.disconnect();
  });

  it('refuses the whole publish before sending anything when asked to (all-or-nothing callers)', async () => {
    const { settings, kafka, telemetry } = await setup({ maxRequestBytes: 8192 });
    const producer = new EventProducer(kafka, settings, log, 10_000);
    await expect(producer.publish('telemetry', [event(1, 'd1'), event(2, 'd1', 10_000)], { oversize: 'reject' })).rejects.toMatchObject({ name: 'RecordTooLargeError', indexes: [1] });
    await producer.publish('telemetry', [event(3, 'd1')]);
    const arrived = await readTopic({ brokers: settings.brokers, topic: telemetry, timeoutMs: 20_000, minRecords: 1 });
    expect(arrived.map((r) => r.headers.ce_id)).toEqual(['e-3']);
    await producer.disconnect();
  });

  it('dead-letters the one record a handler cannot process and moves on; a partition failing retriably stalls, fails readiness and recovers', async () => {
    const { settings, kafka, deadLetter } = await setup({ partitionStallSeconds: 2, partitions: 1 });
    const producer = new EventProducer(kafka, settings, log, 10_000);
    await producer.publish('telemetry', [event(1, 'd1'), event(2, 'd1'), event(3, 'd1')]);

    const processed: number[] = [];
    let dependencyDown = false;
    const groupId = `it-${randomUUID()}`;
    const consumer = new BatchConsumer(kafka, settings, producer, log, {
      groupId,
      topics: ['telemetry'],
      handler: async (events: ConsumedEvent[]) => {
        if (dependencyDown) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
        const ns = events.map((e) => (e.event.data as { n: number }).n);
        if (ns.includes(2)) throw new NonRetriableError('poison-record', 'n=2 cannot be evaluated');
        processed.push(...ns);
      },
    });
    consumer.start();
    await waitFor(async () => processed.includes(3), { timeoutMs: 30_000, description: 'records around the poison one processed' });
    expect(processed.filter((n) => n !== 1)).toEqual([3]);
    const dead = await readTopic({ brokers: settings.brokers, topic: deadLetter, minRecords: 1, timeoutMs: 20_000 });
    expect(dead.map((r) => [r.headers.ce_id, r.headers[DEAD_LETTER_HEADERS.reason], r.headers[DEAD_LETTER_HEADERS.group]])).toEqual([['e-2', 'poison-record', consumerGroupName(groupId, settings.topicPrefix)]]);
    expect(consumer.healthy()).toBe(true);

    // Redis "down": the next batch is retried with backoff, not dead-lettered, and the partition stalls.
    dependencyDown = true;
    await producer.publish('telemetry', [event(4, 'd1')]);
    const labels = { topic: topicName('telemetry', settings.topicPrefix), partition: '0', group: consumerGroupName(groupId, settings.topicPrefix) };
    await waitFor(async () => !consumer.healthy(), { timeoutMs: 30_000, description: 'readiness fails after the stall time' });
    expect(consumer.readiness().error).toMatch(/stalled .*ECONNREFUSED/);
    expect(await gauge('geopulse_kafka_partition_stalled', labels)).toBe(1);
    expect(processed).not.toContain(4);

    // The dependency is back: the same batch goes through and the partition recovers.
    dependencyDown = false;
    await waitFor(async () => processed.includes(4), { timeoutMs: 30_000, description: 'the retried batch processed' });
    await waitFor(async () => consumer.healthy(), { timeoutMs: 10_000, description: 'readiness recovers' });
    expect(await gauge('geopulse_kafka_partition_stalled', labels)).toBe(0);
    const deadAfter = await readTopic({ brokers: settings.brokers, topic: deadLetter, timeoutMs: 10_000 });
    expect(deadAfter).toHaveLength(1);
    await consumer.stop();
    await producer.disconnect();
  });
});
