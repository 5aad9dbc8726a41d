import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { encodeCloudEvent, topicName, type CloudEvent, type TopicKey } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { injectTraceHeaders, metric, type ComponentLogger } from '@geopulse/observability';
import { batchSpanAttributes, messagingAttributes } from './messaging-spans';

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

const tracer = trace.getTracer('@geopulse/kafka');
const produced = metric.counter('geopulse_kafka_produced_records_total', 'Records acknowledged by Kafka', ['topic']);
const produceFailures = metric.counter('geopulse_kafka_produce_failures_total', 'Produce requests that failed', ['topic']);
const produceLatency = metric.histogram('geopulse_kafka_produce_seconds', 'Time until Kafka acknowledged a send', ['topic'], [
  0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * acks=all producer. `publish` resolves only after every record is durably
 * acknowledged by all in-sync replicas, and rejects with KafkaUnavailableError within
 * `sendTimeoutMs` otherwise, so callers can answer 503 without having accepted anything.
 */
export class EventProducer {
  private readonly producer: Producer;
  private connecting?: Promise<void>;

  constructor(
    kafka: Kafka,
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
  }

  async connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((err: Error) => {
      this.connecting = undefined;
      throw err;
    });
    await this.connecting;
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connecting = undefined;
  }

  topic(key: TopicKey): string {
    return topicName(key, this.settings.topicPrefix);
  }

  /** Publishes CloudEvents (binary mode) to a contract topic, carrying the trace context. */
  async publish<T>(topicKey: TopicKey, events: readonly OutgoingEvent<T>[]): Promise<void> {
    const topic = this.topic(topicKey);
    await tracer.startActiveSpan(
      `${topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { ...messagingAttributes(topic, 'send'), ...batchSpanAttributes(events.map((e) => e.event)) },
      },
      async (span) => {
        try {
          const messages = events.map(({ key, event }) => {
            const record = encodeCloudEvent(event, key);
            injectTraceHeaders(record.headers, context.active());
            return record;
          });
          await this.send(topic, messages);
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
  async publishRaw(topic: string, records: readonly RawRecord[]): Promise<void> {
    await this.send(topic, records);
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
      produced.inc({ topic }, messages.length);
      stop();
    } catch (err) {
      produceFailures.inc({ topic });
      this.log.warn('produce failed', { topic, records: messages.length, error: (err as Error).message });
      throw err instanceof KafkaUnavailableError ? err : new KafkaUnavailableError((err as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }
}
