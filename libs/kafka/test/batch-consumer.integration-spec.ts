import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { EVENT_TYPES, consumerGroupName, topicName, type CloudEvent } from '@geopulse/contracts';
import { kafkaSettings, type KafkaSettings } from '@geopulse/config';
import { JsonLogger } from '@geopulse/observability';
import { readTopic, waitFor } from '@geopulse/testing';
import { BatchConsumer, createKafkaClient, DEAD_LETTER_HEADERS, EventProducer, provisionTopics, type ConsumedEvent } from '../src';

const log = new JsonLogger('kafka-it', 'error', () => undefined).child('test');

function setup() {
  // A fresh prefix gives this test its own topics on the shared broker.
  const settings: KafkaSettings = { ...kafkaSettings(process.env), topicPrefix: `it-${randomUUID().slice(0, 8)}.`, partitions: 2 };
  const kafka = createKafkaClient(settings, 'kafka-it', log);
  const producer = new EventProducer(kafka, settings, log, 5000);
  return { settings, kafka, producer };
}

const reading = (n: number): { key: string; event: CloudEvent<{ n: number }> } => ({
  key: `acme:d${n % 3}`,
  event: {
    specversion: '1.0',
    id: `r-${n}`,
    source: '/geopulse/test',
    type: EVENT_TYPES.reading,
    time: new Date(Date.UTC(2026, 10, 22, 10, 0, n)).toISOString(),
    subject: `d${n % 3}`,
    datacontenttype: 'application/json',
    data: { n },
  },
});

describe('BatchConsumer and EventProducer on a real broker', () => {
  it('dead-letters poison records with the reason, keeps order per key, retries a failed batch and commits after success', async () => {
    const { settings, kafka, producer } = setup();
    await provisionTopics(kafka, settings);
    const telemetry = topicName('telemetry', settings.topicPrefix);

    await producer.publish('telemetry', [reading(1), reading(2), reading(3)]);
    // A foreign record without CloudEvents headers, and one whose value is not JSON.
    const raw = new Kafka({ brokers: settings.brokers, logLevel: logLevel.NOTHING }).producer();
    await raw.connect();
    await raw.send({ topic: telemetry, messages: [{ key: 'acme:d1', value: 'hello' }] });
    const broken = reading(4);
    await raw.send({ topic: telemetry, messages: [{ key: broken.key, value: '{not json', headers: { ce_specversion: '1.0', ce_id: 'r-4', ce_source: '/x', ce_type: EVENT_TYPES.reading, ce_time: broken.event.time, 'content-type': 'application/json' } }] });
    await raw.disconnect();
    await producer.publish('telemetry', [reading(5), reading(6)]);

    const seen: ConsumedEvent[] = [];
    let failOnce = true;
    const groupId = `it-${randomUUID()}`;
    const consumer = new BatchConsumer(kafka, settings, producer, log, {
      groupId,
      topics: ['telemetry'],
      handler: async (events) => {
        if (failOnce && events.length > 0) {
          failOnce = false;
          throw new Error('temporary dependency failure');
        }
        seen.push(...events);
        return { deadLetters: events.filter((e) => (e.event.data as { n: number }).n === 6).map((record) => ({ record, reason: 'domain-rejected', detail: 'n=6' })) };
      },
    });
    consumer.start();
    await waitFor(async () => new Set(seen.map((e) => e.event.id)).size === 5, { timeoutMs: 30_000, description: 'five valid events consumed' });
    expect(consumer.healthy()).toBe(true);

    // Per key, events arrive in the order they were produced.
    const byKey = new Map<string, number[]>();
    for (const e of seen) byKey.set(e.key!, [...(byKey.get(e.key!) ?? []), (e.event.data as { n: number }).n]);
    for (const ns of byKey.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    expect(seen[0].traceContext).toBeDefined();

    const dead = await readTopic({ brokers: settings.brokers, topic: topicName('deadLetter', settings.topicPrefix), minRecords: 3, timeoutMs: 20_000 });
    const reasons = dead.map((r) => [r.headers[DEAD_LETTER_HEADERS.reason], r.value]).sort();
    expect(reasons).toEqual([
      ['domain-rejected', '{"n":6}'],
      ['invalid-json', '{not json'],
      ['missing-attribute', 'hello'],
    ]);
    expect(dead.every((r) => r.headers[DEAD_LETTER_HEADERS.topic] === telemetry && r.headers[DEAD_LETTER_HEADERS.group] === consumerGroupName(groupId, settings.topicPrefix))).toBe(true);
    await consumer.stop();

    // Offsets were committed after success: the same group sees only what comes next.
    await producer.publish('telemetry', [reading(7)]);
    const after: string[] = [];
    const again = new BatchConsumer(kafka, settings, producer, log, {
      groupId,
      topics: ['telemetry'],
      handler: async (events) => {
        after.push(...events.map((e) => e.event.id));
      },
    });
    again.start();
    await waitFor(async () => after.includes('r-7'), { timeoutMs: 30_000, description: 'the new event' });
    expect(after).toEqual(['r-7']);
    await again.stop();
    await producer.disconnect();
  });

  it('rejects a publish within its deadline when no broker answers', async () => {
    const settings: KafkaSettings = { ...kafkaSettings(process.env), brokers: ['127.0.0.1:1'] };
    const producer = new EventProducer(createKafkaClient(settings, 'kafka-it', log), settings, log, 1500);
    const started = Date.now();
    await expect(producer.publish('telemetry', [reading(1)])).rejects.toThrow(/Kafka did not acknowledge/);
    expect(Date.now() - started).toBeLessThan(5000);
    await producer.disconnect().catch(() => undefined);
  });
});
