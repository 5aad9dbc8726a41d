// The Helm chart's pre-install / pre-upgrade hook: `node libs/kafka/dist/provision-topics-cli.js`
// in any service image. Creates the contract's missing topics with KAFKA_PARTITIONS partitions
// and raises the partition count of existing partitioned topics to it (Kafka never lowers one);
// broadcast topics keep one partition. Exits 0 when every topic has its count, 1 otherwise.
import type { Kafka } from 'kafkajs';
import { TOPIC_SPECS, topicName } from '@geopulse/contracts';
import { kafkaSettings, loadOrExit, type KafkaSettings } from '@geopulse/config';
import { JsonLogger } from '@geopulse/observability';
import { createKafkaClient } from './kafka-client';
import { provisionTopics } from './topic-provisioner';

/** Raises partitioned topics below `settings.partitions` to it; returns the topics it grew. */
export async function growPartitions(kafka: Kafka, settings: KafkaSettings): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = TOPIC_SPECS.filter((spec) => !spec.broadcast).map((spec) => topicName(spec.key, settings.topicPrefix));
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const short = topics.filter((t) => t.partitions.length < settings.partitions).map((t) => t.name);
    if (short.length > 0) await admin.createPartitions({ validateOnly: false, topicPartitions: short.map((topic) => ({ topic, count: settings.partitions })) });
    return short;
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const settings = loadOrExit('provision-topics', () => kafkaSettings(process.env));
  const log = new JsonLogger('geopulse-provision-topics').child('topics');
  const kafka = createKafkaClient(settings, 'geopulse-provision-topics', log);
  const created = await provisionTopics(kafka, settings);
  const grown = await growPartitions(kafka, settings);
  log.info('topics provisioned', { created: created.join(',') || 'none', grown: grown.join(',') || 'none', partitions: settings.partitions });
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`geopulse-provision-topics: failed: ${err.message}\n`);
    process.exit(1);
  });
}
