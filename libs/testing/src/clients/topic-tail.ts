import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { toRecord, type TopicRecord } from './read-topic';

export interface TopicTailOptions {
  /** KAFKA_BROKERS form ("h:p,h:p") or a list. */
  brokers: string | string[];
  topics: string[];
  /** Default true: from the beginning of each topic; false: only records written after joining. */
  fromBeginning?: boolean;
  /** Called for every record as it arrives, with the local receive time (Date.now()). */
  onRecord?: (record: TopicRecord, receivedAt: number) => void;
  /** Keep only the records it accepts in `records` (default: keep all). */
  keep?: (record: TopicRecord) => boolean;
}

/**
 * A consumer that follows topics while a test (or a bench) runs, with a throw-away group, and
 * keeps what it read: for counting events by id while they are still being produced, or for
 * timing when each record arrived. Reading a whole topic again per poll (readTopic) gets slow
 * once topics hold tens of thousands of records; this reads each record once.
 */
export class TopicTail {
  readonly records: TopicRecord[] = [];
  private readonly kafka: Kafka;
  private readonly groupId = `geopulse-test-tail-${randomUUID()}`;
  private consumer: Consumer | undefined;

  private constructor(private readonly options: TopicTailOptions) {
    const brokers = Array.isArray(options.brokers) ? options.brokers : options.brokers.split(',').map((b) => b.trim());
    this.kafka = new Kafka({ clientId: 'geopulse-test-tail', brokers, logLevel: logLevel.NOTHING });
  }

  /** Resolves once the consumer has joined and been assigned the topics' partitions. */
  static async start(options: TopicTailOptions): Promise<TopicTail> {
    const tail = new TopicTail(options);
    await tail.run();
    return tail;
  }

  private async run(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 50, sessionTimeout: 30_000, heartbeatInterval: 3000 });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    for (const topic of this.options.topics) await consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning ?? true });
    await consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const receivedAt = Date.now();
        for (const message of batch.messages) {
          const record = toRecord(batch.topic, batch.partition, message);
          this.options.onRecord?.(record, receivedAt);
          if (!this.options.keep || this.options.keep(record)) this.records.push(record);
        }
      },
    });
    await joined;
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    await consumer.disconnect().catch(() => undefined);
    const admin = this.kafka.admin();
    await admin.connect().catch(() => undefined);
    await admin.deleteGroups([this.groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
