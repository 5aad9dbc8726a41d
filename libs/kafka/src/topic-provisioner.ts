import type { Kafka } from 'kafkajs';
import { TOPIC_SPECS, topicName } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';

/**
 * Creates the contract's topics that do not exist yet (idempotent). In production the Helm
 * hook job runs this once; locally each service runs it at start-up.
 */
export async function provisionTopics(kafka: Kafka, settings: KafkaSettings): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = TOPIC_SPECS.filter((spec) => !existing.has(topicName(spec.key, settings.topicPrefix)));
    if (missing.length === 0) return [];
    await admin
      .createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: topicName(spec.key, settings.topicPrefix),
          numPartitions: spec.broadcast ? 1 : settings.partitions,
          replicationFactor: settings.replicationFactor,
          configEntries: spec.compacted
            ? [
                { name: 'cleanup.policy', value: 'compact' },
                { name: 'min.compaction.lag.ms', value: '60000' },
              ]
            : [],
        })),
      })
      .catch((err: Error & { type?: string }) => {
        // Another service may have created them concurrently.
        if (err.type !== 'TOPIC_ALREADY_EXISTS' && !/already exists/i.test(err.message)) throw err;
      });
    return missing.map((spec) => topicName(spec.key, settings.topicPrefix));
  } finally {
    await admin.disconnect();
  }
}
