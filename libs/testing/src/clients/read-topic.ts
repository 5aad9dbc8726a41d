import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders, type KafkaMessage } from 'kafkajs';

/** One record as a test sees it: strings instead of buffers. */
export interface TopicRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  /** Header values as UTF-8 strings (repeated headers joined with ","). */
  headers: Record<string, string>;
  timestamp: string;
}

export interface ReadTopicOptions {
  /** KAFKA_BROKERS form ("h:p,h:p") or a list. */
  brokers: string | string[];
  topic: string;
  /** Default 15 s. */
  timeoutMs?: number;
  /**
   * Keep reading until at least this many records arrived (also past the end offsets seen at the
   * start). Without it the read ends at the end offsets the topic had when it started.
   */
  minRecords?: number;
}

export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    out[name] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))).join(',');
  }
  return out;
}

export function toRecord(topic: string, partition: number, message: KafkaMessage): TopicRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    value: message.value ? message.value.toString('utf8') : null,
    headers: headersToStrings(message.headers),
    timestamp: message.timestamp,
  };
}

/**
 * Reads a topic from the beginning with a throw-away consumer group and returns the records
 * ordered by partition and offset. Resolves once every partition reached the end offsets it had
 * at the start and, with `minRecords`, at least that many records arrived; throws on timeout
 * saying how far it got.
 */
export async function readTopic(options: ReadTopicOptions): Promise<TopicRecord[]> {
  const brokers = Array.isArray(options.brokers) ? options.brokers : options.brokers.split(',').map((b) => b.trim());
  const timeoutMs = options.timeoutMs ?? 15_000;
  const minRecords = options.minRecords ?? 0;
  const groupId = `geopulse-test-read-${randomUUID()}`;
  const kafka = new Kafka({ clientId: 'geopulse-test-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const records: TopicRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await admin.connect();
    const ends = new Map<number, bigint>();
    const topicOffsets = await admin.fetchTopicOffsets(options.topic).catch((error: Error) => {
      throw new Error(`readTopic(${options.topic}): cannot read the topic's end offsets: ${error.message}`);
    });
    for (const offsets of topicOffsets) ends.set(offsets.partition, BigInt(offsets.high));
    const positions = new Map<number, bigint>();
    const caughtUp = () =>
      [...ends].every(([partition, end]) => end === 0n || (positions.get(partition) ?? 0n) >= end);
    const done = () => caughtUp() && records.length >= minRecords;

    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        const progress = [...ends].map(([p, end]) => `p${p} ${positions.get(p) ?? 0n}/${end}`).join(', ');
        reject(
          new Error(
            `readTopic(${options.topic}): timed out after ${timeoutMs} ms with ${records.length} record(s)` +
              `${minRecords ? ` of at least ${minRecords}` : ''} (positions/end offsets: ${progress})`,
          ),
        );
      }, timeoutMs);
      if (done()) return resolve();
      consumer
        .connect()
        .then(() => consumer.subscribe({ topic: options.topic, fromBeginning: true }))
        .then(() =>
          consumer.run({
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) records.push(toRecord(batch.topic, batch.partition, message));
              positions.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
              if (done()) resolve();
            },
          }),
        )
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}
