import { SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { CloudEventDecodeError, decodeCloudEvent, topicName, type CloudEvent, type TopicKey } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { extractTraceContext, metric, type ComponentLogger } from '@geopulse/observability';
import type { EventProducer, RawRecord } from './event-producer';
import { headersToStrings } from './records';

export interface ConsumedEvent<T = unknown> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  event: CloudEvent<T>;
  raw: RawRecord;
  /** Context whose active span is this record's consumer span (child of the producer's). */
  traceContext: Context;
}

/** A record with a key and no value: a deletion on a compacted topic. */
export interface Tombstone {
  topic: string;
  partition: number;
  offset: string;
  key: string;
}

export interface DeadLetter {
  record: ConsumedEvent;
  /** Short machine-readable reason, used as a metric label. */
  reason: string;
  detail?: string;
}

export interface BatchContext {
  topic: string;
  partition: number;
  tombstones: Tombstone[];
}

/** Return dead letters for records the domain rejects; throw for temporary failures (retried). */
export type BatchHandler = (events: ConsumedEvent[], batch: BatchContext) => Promise<{ deadLetters?: DeadLetter[] } | void>;

export interface BatchConsumerOptions {
  groupId: string;
  topics: readonly TopicKey[];
  handler: BatchHandler;
  /** A new group starts at the earliest offset, so nothing written before it is missed. */
  fromBeginning?: boolean;
  /** Consecutive failed batches after which readiness fails (Kubernetes then restarts the pod). */
  unhealthyAfterFailures?: number;
}

export const DEAD_LETTER_HEADERS = {
  reason: 'geopulse-dlq-reason',
  detail: 'geopulse-dlq-detail',
  topic: 'geopulse-dlq-topic',
  partition: 'geopulse-dlq-partition',
  offset: 'geopulse-dlq-offset',
  group: 'geopulse-dlq-group',
  time: 'geopulse-dlq-time',
} as const;

const tracer = trace.getTracer('@geopulse/kafka');
const DEAD_LETTER_CHUNK = 200;
const processed = metric.counter('geopulse_kafka_consumed_records_total', 'Records processed and committed', ['topic', 'group']);
const deadLettered = metric.counter('geopulse_kafka_dead_lettered_total', 'Records sent to the dead-letter topic', ['topic', 'group', 'reason']);
const batchFailures = metric.counter('geopulse_kafka_batch_failures_total', 'Batches whose processing failed and will be retried', ['topic', 'group']);
const batchSeconds = metric.histogram(
  'geopulse_kafka_batch_duration_seconds',
  'Time to process and commit one fetched batch (handler, dead letters, commit)',
  ['topic', 'group'],
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
);
const lag = metric.gauge('geopulse_kafka_consumer_lag', 'Records between the last processed offset and the high watermark', ['topic', 'partition', 'group']);

/**
 * At-least-once batch consumer: a fetched batch is decoded, handed to the handler at once,
 * and its offsets are committed only after the handler's effects (and any dead letters) are
 * stored. Poison records go to the dead-letter topic with the reason and never block the
 * partition; a handler error retries the batch with kafkajs's bounded backoff.
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private consecutiveFailures = 0;
  private crashed = false;
  private running = false;
  private stopped = false;
  private starting?: Promise<void>;
  private assigned: ReadonlyMap<string, readonly number[]> = new Map();

  constructor(
    kafka: Kafka,
    private readonly settings: KafkaSettings,
    private readonly deadLetterProducer: EventProducer,
    private readonly log: ComponentLogger,
    private readonly options: BatchConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      // Short enough that a member lost in a broker restart is evicted quickly and the group
      // resumes within seconds; heartbeats every 3 s keep live members well inside it.
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10 },
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.crashed = !event.payload.restart;
      this.log.error('consumer crashed', { group: options.groupId, error: event.payload.error.message, restart: event.payload.restart });
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.assigned = new Map(Object.entries(event.payload.memberAssignment));
    });
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      this.assigned = new Map();
    });
  }

  /** True while the consumer runs and batches are not failing repeatedly. */
  healthy(): boolean {
    return this.running && !this.crashed && this.consecutiveFailures < (this.options.unhealthyAfterFailures ?? 5);
  }

  /**
   * The partitions this member owns now, by topic name; empty while the group rebalances.
   * For work a partition's owner does without records arriving (e.g. timers of idle partitions).
   */
  assignment(): ReadonlyMap<string, readonly number[]> {
    return this.assigned;
  }

  /**
   * Joins the group in the background, retrying with bounded backoff while the brokers or
   * topics are not there yet (e.g. another service is still creating them), so a service
   * starts and reports not-ready instead of crashing.
   */
  start(): void {
    if (this.starting) return;
    this.starting = (async () => {
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          await this.consumer.connect();
          await this.consumer.subscribe({
            topics: this.options.topics.map((key) => topicName(key, this.settings.topicPrefix)),
            fromBeginning: this.options.fromBeginning ?? true,
          });
          await this.consumer.run({
            eachBatchAutoResolve: false,
            autoCommit: true,
            eachBatch: (payload) => this.processBatch(payload),
          });
          this.running = true;
          return;
        } catch (err) {
          const delay = Math.min(500 * 2 ** attempt, 10_000);
          this.log.warn('consumer could not start; retrying', { group: this.options.groupId, error: (err as Error).message, retryInMs: delay });
          await this.consumer.disconnect().catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    this.running = false;
    this.assigned = new Map();
    await this.consumer.disconnect();
  }

  private async processBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const { topic, partition } = batch;
    const group = this.options.groupId;
    const stopBatchTimer = batchSeconds.startTimer({ topic, group });
    const events: ConsumedEvent[] = [];
    const tombstones: Tombstone[] = [];
    const deadLetters: Array<{ raw: RawRecord; offset: string; reason: string; detail?: string }> = [];
    const spans: Span[] = [];

    for (const message of batch.messages) {
      const raw = toRaw(message);
      if (raw.value === null && raw.key !== null) {
        tombstones.push({ topic, partition, offset: message.offset, key: raw.key });
        continue;
      }
      try {
        const event = decodeCloudEvent(raw);
        const parent = extractTraceContext(raw.headers);
        const span = tracer.startSpan(
          `${topic} process`,
          {
            kind: SpanKind.CONSUMER,
            attributes: {
              'messaging.system': 'kafka',
              'messaging.operation.type': 'process',
              'messaging.destination.name': topic,
              'messaging.destination.partition.id': String(partition),
              'messaging.kafka.offset': Number(message.offset),
              'messaging.consumer.group.name': group,
              'messaging.message.id': event.id,
            },
          },
          parent,
        );
        spans.push(span);
        events.push({ topic, partition, offset: message.offset, key: raw.key, event, raw, traceContext: trace.setSpan(parent, span) });
      } catch (err) {
        const reason = err instanceof CloudEventDecodeError ? err.reason : 'undecodable';
        deadLetters.push({ raw, offset: message.offset, reason, detail: (err as Error).message });
      }
    }

    try {
      const outcome = await this.options.handler(events, { topic, partition, tombstones });
      for (const dl of outcome?.deadLetters ?? []) {
        deadLetters.push({ raw: dl.record.raw, offset: dl.record.offset, reason: dl.reason, detail: dl.detail });
      }
      if (deadLetters.length > 0) await this.sendDeadLetters(topic, partition, deadLetters);
      for (const span of spans) span.end();
    } catch (err) {
      this.consecutiveFailures++;
      batchFailures.inc({ topic, group });
      for (const span of spans) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        span.end();
      }
      this.log.warn('batch failed; it will be retried', { topic, partition, group, records: batch.messages.length, error: (err as Error).message });
      throw err;
    }

    this.consecutiveFailures = 0;
    resolveOffset(batch.lastOffset());
    await commitOffsetsIfNecessary();
    await heartbeat();
    processed.inc({ topic, group }, batch.messages.length);
    stopBatchTimer();
    lag.set({ topic, partition: String(partition), group }, Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1));
  }

  private async sendDeadLetters(
    topic: string,
    partition: number,
    letters: Array<{ raw: RawRecord; offset: string; reason: string; detail?: string }>,
  ): Promise<void> {
    const now = new Date().toISOString();
    // In chunks: a whole large batch in one produce request can exceed the broker's max message size.
    for (let i = 0; i < letters.length; i += DEAD_LETTER_CHUNK) {
      await this.deadLetterProducer.publishRaw(
        this.deadLetterProducer.topic('deadLetter'),
        letters.slice(i, i + DEAD_LETTER_CHUNK).map(({ raw, offset, reason, detail }) => ({
          key: raw.key,
          value: raw.value,
          headers: {
            ...raw.headers,
            [DEAD_LETTER_HEADERS.reason]: reason,
            [DEAD_LETTER_HEADERS.detail]: (detail ?? '').slice(0, 1000),
            [DEAD_LETTER_HEADERS.topic]: topic,
            [DEAD_LETTER_HEADERS.partition]: String(partition),
            [DEAD_LETTER_HEADERS.offset]: offset,
            [DEAD_LETTER_HEADERS.group]: this.options.groupId,
            [DEAD_LETTER_HEADERS.time]: now,
          },
        })),
      );
    }
    for (const { reason } of letters) deadLettered.inc({ topic, group: this.options.groupId, reason });
    this.log.warn('records dead-lettered', { topic, partition, count: letters.length, reason: letters[0].reason });
  }
}

function toRaw(message: KafkaMessage): RawRecord {
  return {
    key: message.key ? message.key.toString() : null,
    value: message.value && message.value.length > 0 ? message.value : null,
    headers: headersToStrings(message.headers),
  };
}
