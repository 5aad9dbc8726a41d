import { randomUUID } from 'node:crypto';
import { TOPIC_SPECS, topicName } from '@geopulse/contracts';
import { kafkaSettings, type KafkaSettings } from '@geopulse/config';
import { JsonLogger } from '@geopulse/observability';
import { createKafkaClient, provisionTopics } from '../src';
import { growPartitions } from '../src/provision-topics-cli';

const log = new JsonLogger('kafka-it', 'error', () => undefined).child('test');

describe('the Helm hook topic provisioning on a real broker', () => {
  it('creates the topics with the configured partitions, raises them on upgrade and leaves broadcast topics at one', async () => {
    const prefix = `it-${randomUUID().slice(0, 8)}.`;
    const install: KafkaSettings = { ...kafkaSettings(process.env), topicPrefix: prefix, partitions: 2 };
    const kafka = createKafkaClient(install, 'kafka-it', log);
    const partitionsOf = async (): Promise<Record<string, number>> => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const names = TOPIC_SPECS.map((spec) => topicName(spec.key, prefix));
        const { topics } = await admin.fetchTopicMetadata({ topics: names });
        return Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
      } finally {
        await admin.disconnect();
      }
    };
    const expected = (partitions: number) =>
      Object.fromEntries(TOPIC_SPECS.map((spec) => [topicName(spec.key, prefix), spec.broadcast ? 1 : partitions]));

    await provisionTopics(kafka, install);
    expect(await growPartitions(kafka, install)).toEqual([]);
    expect(await partitionsOf()).toEqual(expected(2));

    const upgrade = { ...install, partitions: 5 };
    await provisionTopics(kafka, upgrade);
    const grown = await growPartitions(kafka, upgrade);
    expect(grown.sort()).toEqual(TOPIC_SPECS.filter((s) => !s.broadcast).map((s) => topicName(s.key, prefix)).sort());
    expect(await partitionsOf()).toEqual(expected(5));

    // A lower count later changes nothing: Kafka cannot drop partitions.
    expect(await growPartitions(kafka, { ...install, partitions: 3 })).toEqual([]);
    expect(await partitionsOf()).toEqual(expected(5));
  });
});
