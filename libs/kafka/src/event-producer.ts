import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ConfigResourceTypes, Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { encodeCloudEvent, TOPIC_SPECS, topicName, type CloudEvent, type TopicKey } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { injectTraceHeaders, metric, type ComponentLogger } from '@geopulse/observability';
import { deadLetterRecord, truncatedDeadLetter } from './dead-letters';
import { classifyFailure, RecordTooLargeError } from './failure-classification';
import { effectiveRequestLimit, maxRecordBytes, splitIntoRequests } from './request-splitter';

export interface OutgoingEvent<T> {
  key: string;
  event: CloudEvent<T>;
}

export interface RawRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Kafka did not acknowledge in time; nothing may be reported as accepted. */
export class KafkaUnavailableError extends Error {
  constructor(cause: string) {
    super(`Kafka did not acknowledge the write: ${cause}`);
    this.name = 'KafkaUnavailableError';
  }
}

/** What became of a publish: everything was acknowledged except the records listed here. */
export interface PublishResult {
  /** Records over the request limit: not sent, dead-lettered with reason `record-too-large`. */
  deadLettered: Array<{ index: number; key: string | null; bytes: number }>;
}

export interface PublishOptions {
  /**
   * A record over the request limit is dead-lettered and the rest sent (default), or the
   * whole publish is refused with RecordTooLargeError before anything is sent (`reject`, for
   * callers that answer all-or-nothing, like ingest's HTTP API).
   */
  oversize?: 'dead-letter' | 'reject';
}

const tracer = trace.getTracer('@geopulse/kafka');
/** Bytes of a truncated oversize dead letter's value: enough to identify the record. */
const TRUNCATED_VALUE_BYTES = 64 * 1024;
const BROKER_LIMIT_TIMEOUT_MS = 5000;
const produced = metric.counter('geopulse_kafka_produced_records_total', 'Records acknowledged by Kafka', ['topic']);
const produceFailures = metric.counter('geopulse_kafka_produce_failures_total', 'Produce requests that failed', ['topic']);
const produceRequests = metric.counter('geopulse_kafka_produce_requests_total', 'Produce requests sent (a publish is split under the request limit)', ['topic']);
const oversizeRecords = metric.counter('geopulse_kafka_oversize_records_total', 'Records over the request limit, dead-lettered instead of sent', ['topic']);
const produceLatency = metric.histogram('geopulse_kafka_produce_seconds', 'Time until Kafka acknowledged a send', ['topic'], [
  0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * acks=all producer. `publish` resolves only after every record is durably
 * acknowledged by all in-sync replicas, and rejects with KafkaUnavailableError within
 * `sendTimeoutMs` (per request) otherwise, so callers can answer 503 without having
 * accepted anything. A publish is split into requests under the request limit, sent one
 * after the other so records of one key keep their order; a record that alone exceeds it
 * is dead-lettered (docs/decisions/0011).
 */
export class EventProducer {
  private readonly producer: Producer;
  private connecting?: Promise<void>;
  private requestLimit: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly settings: KafkaSettings,
    private readonly log: ComponentLogger,
    private readonly sendTimeoutMs = 10_000,
  ) {
    this.producer = kafka.producer({
      // Not kafkajs's idempotent mode: when a send fails after the broker already wrote it,
      // kafkajs rolls the partition's sequence number back, and the next *other* send reuses
      // it; the broker then drops that batch as a duplicate yet acknowledges it. Our ingest
      // outage test lost acknowledged readings exactly that way (docs/decisions/0007).
      // acks=all with one request in flight per broker keeps order and durability; a retry
      // that wrote twice carries the same CloudEvent id, which consumers deduplicate on.
      idempotent: false,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2, as the Java client: a device key lands on the same partition from any client.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded so a long outage ends in an error rather than a send that never settles.
      retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 8 },
    });
    this.requestLimit = settings.maxRequestBytes;
  }

  /** The request limit in force: KAFKA_MAX_REQUEST_BYTES, or less if the broker allows less. */
  maxRequestBytes(): number {
    return this.requestLimit;
  }

  async connect(): Promise<void> {
    this.connecting ??= (async () => {
      await this.producer.connect();
      await this.adoptBrokerLimit();
    })().catch((err: Error) => {
      this.connecting = undefined;
      throw err;
    });
    await this.connecting;
  }

  /**
   * Lowers the request limit to the broker's `message.max.bytes` and the contract topics'
   * `max.message.bytes` where they can be read (MSK may deny DescribeConfigs: then the
   * configured limit stands). Logs the limit chosen and why.
   */
  private async adoptBrokerLimit(): Promise<void> {
    const limits: Array<{ source: string; bytes: number }> = [];
    const admin = this.kafka.admin({ retry: { retries: 1 } });
    let timer: NodeJS.Timeout | undefined;
    const read = (async () => {
      await admin.connect();
      const cluster = await admin.describeCluster();
      const broker = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: String(cluster.controller ?? cluster.brokers[0].nodeId), configNames: ['message.max.bytes'] }],
      });
      for (const entry of broker.resources.flatMap((r) => r.configEntries)) limits.push({ source: 'broker message.max.bytes', bytes: Number(entry.configValue) });
      const existing = new Set(await admin.listTopics());
      const topics = TOPIC_SPECS.map((spec) => this.topic(spec.key)).filter((name) => existing.has(name));
      if (topics.length === 0) return;
      const perTopic = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
      });
      for (const resource of perTopic.resources) {
        for (const entry of resource.configEntries) limits.push({ source: `topic ${resource.resourceName} max.message.bytes`, bytes: Number(entry.configValue) });
      }
    })();
    read.catch(() => undefined);
    try {
      await Promise.race([
        read,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${BROKER_LIMIT_TIMEOUT_MS} ms`)), BROKER_LIMIT_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      this.log.warn('could not read the broker size limits; using KAFKA_MAX_REQUEST_BYTES', { error: (err as Error).message, maxRequestBytes: this.settings.maxRequestBytes });
    } finally {
      clearTimeout(timer);
      await admin.disconnect().catch(() => undefined);
    }
    const chosen = effectiveRequestLimit(this.settings.maxRequestBytes, limits);
    this.requestLimit = chosen.bytes;
    this.log.info('produce request limit', { maxRequestBytes: chosen.bytes, source: chosen.source, configured: this.settings.maxRequestBytes });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connecting = undefined;
  }

  topic(key: TopicKey): string {
    return topicName(key, this.settings.topicPrefix);
  }

  /** Publishes CloudEvents (binary mode) to a contract topic, carrying the trace context. */
  async publish<T>(topicKey: TopicKey, events: readonly OutgoingEvent<T>[], options: PublishOptions = {}): Promise<PublishResult> {
    const topic = this.topic(topicKey);
    return tracer.startActiveSpan(
      `${topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': topic,
          'messaging.batch.message_count': events.length,
        },
      },
      async (span) => {
        try {
          const messages = events.map(({ key, event }) => {
            const record = encodeCloudEvent(event, key);
            injectTraceHeaders(record.headers, context.active());
            return record;
          });
          const result = await this.sendSplit(topic, messages, options);
          if (result.deadLettered.length > 0) span.setAttribute('geopulse.dead_lettered_count', result.deadLettered.length);
          return result;
        } catch (err) {
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  /** Publishes records as they are (dead-letter copies keep the original bytes). */
  async publishRaw(topic: string, records: readonly RawRecord[], options: PublishOptions = {}): Promise<PublishResult> {
    return this.sendSplit(topic, records, options);
  }

  /**
   * Sends `records` in requests under the limit, one request after the other (order per key
   * kept); dead-letters records that alone exceed it, or refuses them all (`reject`).
   */
  private async sendSplit(topic: string, records: readonly RawRecord[], options: PublishOptions): Promise<PublishResult> {
    const { requests, oversize } = splitIntoRequests(records, this.requestLimit);
    if (oversize.length > 0 && options.oversize === 'reject') {
      throw new RecordTooLargeError(
        `${oversize.length} record(s) exceed the ${this.requestLimit}-byte request limit (largest ${Math.max(...oversize.map((o) => o.bytes))} bytes)`,
        oversize.map((o) => o.index),
      );
    }
    for (const request of requests) await this.send(topic, request);
    if (oversize.length === 0) return { deadLettered: [] };

    const deadLetterTopic = this.topic('deadLetter');
    const room = Math.min(TRUNCATED_VALUE_BYTES, maxRecordBytes(this.requestLimit) - 8 * 1024);
    const letters = oversize.map(({ record, bytes }) =>
      truncatedDeadLetter(
        deadLetterRecord(record, { reason: 'record-too-large', detail: `record of about ${bytes} bytes exceeds the ${this.requestLimit}-byte request limit`, topic }),
        room,
      ),
    );
    if (topic === deadLetterTopic) {
      // A dead letter that does not fit even truncated would loop; it is only logged.
      this.log.error('dead letter too large to publish; dropped', { topic, count: oversize.length });
    } else {
      for (const request of splitIntoRequests(letters, this.requestLimit).requests) await this.send(deadLetterTopic, request);
    }
    oversizeRecords.inc({ topic }, oversize.length);
    this.log.warn('records over the request limit dead-lettered', { topic, count: oversize.length, maxRequestBytes: this.requestLimit, largestBytes: Math.max(...oversize.map((o) => o.bytes)) });
    return { deadLettered: oversize.map(({ index, record, bytes }) => ({ index, key: record.key, bytes })) };
  }

  private async send(topic: string, messages: readonly Message[]): Promise<void> {
    const stop = produceLatency.startTimer({ topic });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaUnavailableError(`no acknowledgement within ${this.sendTimeoutMs} ms`)), this.sendTimeoutMs);
    });
    try {
      const send = (async () => {
        await this.connect();
        await this.producer.send({ topic, acks: -1, messages: [...messages] });
      })();
      send.catch(() => undefined); // settled by the race below; avoid an unhandled rejection after a timeout
      await Promise.race([send, timeout]);
      produceRequests.inc({ topic });
      produced.inc({ topic }, messages.length);
      stop();
    } catch (err) {
      produceFailures.inc({ topic });
      this.log.warn('produce failed', { topic, records: messages.length, error: (err as Error).message });
      if (err instanceof KafkaUnavailableError) throw err;
      // The broker refused the size (its limit is below our estimate): retrying cannot help.
      const failure = classifyFailure(err);
      if (failure.kind === 'non-retriable' && failure.reason === 'record-too-large') throw new RecordTooLargeError(failure.detail);
      throw new KafkaUnavailableError((err as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }
}
