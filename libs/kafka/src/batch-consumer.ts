import { SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { CloudEventDecodeError, decodeCloudEvent, consumerGroupName, topicName, type CloudEvent, type TopicKey } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { extractTraceContext, metric, type ComponentLogger } from '@geopulse/observability';
import { deadLetterRecord, type DeadLetterReason } from './dead-letters';
import type { EventProducer, RawRecord } from './event-producer';
import { classifyFailure, retryDelayMs } from './failure-classification';
import { headersToStrings } from './records';
import { eventSpanAttributes, messagingAttributes } from './messaging-spans';

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
  /** Machine-readable, from the one catalogue; also a metric label. */
  reason: DeadLetterReason;
  detail?: string;
}

export interface BatchContext {
  topic: string;
  partition: number;
  tombstones: Tombstone[];
}

/**
 * Return dead letters for records the domain rejects; throw for failures: retriable ones
 * (see classifyFailure) are retried with backoff, a NonRetriableError dead-letters the
 * record that causes it.
 */
export type BatchHandler = (events: ConsumedEvent[], batch: BatchContext) => Promise<{ deadLetters?: DeadLetter[] } | void>;

export interface BatchConsumerOptions {
  groupId: string;
  topics: readonly TopicKey[];
  handler: BatchHandler;
  /** A new group starts at the earliest offset, so nothing written before it is missed. */
  fromBeginning?: boolean;
}

const RETRY_INITIAL_MS = 200;
const RETRY_MAX_MS = 10_000;
const tracer = trace.getTracer('@geopulse/kafka');
const processed = metric.counter('geopulse_kafka_consumed_records_total', 'Records processed and committed', ['topic', 'group']);
const deadLettered = metric.counter('geopulse_kafka_dead_lettered_total', 'Records sent to the dead-letter topic', ['topic', 'group', 'reason']);
const batchFailures = metric.counter('geopulse_kafka_batch_failures_total', 'Handler runs that failed with a retriable error and are retried', ['topic', 'group']);
const batchSeconds = metric.histogram(
  'geopulse_kafka_batch_duration_seconds',
  'Time to process and commit one fetched batch (handler, dead letters, commit)',
  ['topic', 'group'],
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
);
const lag = metric.gauge('geopulse_kafka_consumer_lag', 'Records between the last processed offset and the high watermark', ['topic', 'partition', 'group']);
/** Heartbeat period while a batch's handler runs (the group's heartbeatInterval). */
const HANDLER_HEARTBEAT_MS = 3_000;
const stalledGauge = metric.gauge(
  'geopulse_kafka_partition_stalled',
  'Partitions that have not made progress for KAFKA_PARTITION_STALL_SECONDS (1 while stalled, 0 after)',
  ['topic', 'partition', 'group'],
);

/** Returned when the batch is given up because the consumer stops or the partition moved. */
const ABANDONED = Symbol('abandoned');
type Abandoned = typeof ABANDONED;

interface PendingLetter {
  raw: RawRecord;
  offset: string;
  reason: DeadLetterReason;
  detail?: string;
}

/** A partition with a batch in hand: since when, and whether it counts as stalled. */
interface PartitionProgress {
  topic: string;
  partition: number;
  since: number;
  stalled: boolean;
  lastError?: string;
}

/**
 * At-least-once batch consumer: a fetched batch is decoded, handed to the handler at once,
 * and its offsets are committed only after the handler's effects (and any dead letters) are
 * stored. Failures are classified (failure-classification.ts): poison records go to the
 * dead-letter topic with the reason and never block the partition; a temporary failure is
 * retried in place with bounded exponential backoff; a partition without progress for
 * KAFKA_PARTITION_STALL_SECONDS fails readiness and sets `geopulse_kafka_partition_stalled`.
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  /** The group's name on the cluster: options.groupId with the topic prefix. */
  private readonly groupId: string;
  private crashed = false;
  private running = false;
  private stopped = false;
  private starting?: Promise<void>;
  private assigned: ReadonlyMap<string, readonly number[]> = new Map();
  private readonly progress = new Map<string, PartitionProgress>();
  private stallWatch?: NodeJS.Timeout;

  constructor(
    kafka: Kafka,
    private readonly settings: KafkaSettings,
    private readonly deadLetterProducer: EventProducer,
    private readonly log: ComponentLogger,
    private readonly options: BatchConsumerOptions,
  ) {
    this.groupId = consumerGroupName(options.groupId, settings.topicPrefix);
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      // Short enough that a member lost in a broker restart is evicted quickly and the group
      // resumes within seconds; heartbeats every 3 s keep live members well inside it.
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10 },
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.crashed = !event.payload.restart;
      this.log.error('consumer crashed', { group: this.groupId, error: event.payload.error.message, restart: event.payload.restart });
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.assigned = new Map(Object.entries(event.payload.memberAssignment));
    });
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      this.assigned = new Map();
      // Partitions in hand may move to another member, which has its own clock.
      for (const key of [...this.progress.keys()]) this.progressMade(key);
    });
  }

  /** True while the consumer runs and no partition is stalled. */
  healthy(): boolean {
    return this.readiness().ok;
  }

  /** Readiness with the reason: not running, crashed, or which partitions are stalled. */
  readiness(): { ok: boolean; error?: string } {
    if (!this.running) return { ok: false, error: 'consumer not running' };
    if (this.crashed) return { ok: false, error: 'consumer crashed' };
    const stalled = [...this.progress.values()].filter((p) => p.stalled);
    if (stalled.length > 0) {
      const which = stalled.map((p) => `${p.topic}/${p.partition}${p.lastError ? ` (${p.lastError.slice(0, 200)})` : ''}`).join(', ');
      return { ok: false, error: `partition(s) stalled for over ${this.settings.partitionStallSeconds}s: ${which}` };
    }
    return { ok: true };
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
    this.stallWatch = setInterval(() => this.watchStalls(), Math.min(1000, this.settings.partitionStallSeconds * 250));
    this.stallWatch.unref();
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
          this.log.warn('consumer could not start; retrying', { group: this.groupId, error: (err as Error).message, retryInMs: delay });
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
    clearInterval(this.stallWatch);
    await this.consumer.disconnect();
    for (const key of [...this.progress.keys()]) this.progressMade(key);
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, heartbeat } = payload;
    if (batch.messages.length === 0) return;
    const { topic, partition } = batch;
    const group = this.groupId;
    const stopBatchTimer = batchSeconds.startTimer({ topic, group });
    const events: ConsumedEvent[] = [];
    const tombstones: Tombstone[] = [];
    const deadLetters: PendingLetter[] = [];
    const spans: Span[] = [];
    const progressKey = `${topic}\u0000${partition}`;
    if (!this.progress.has(progressKey)) this.progress.set(progressKey, { topic, partition, since: Date.now(), stalled: false });

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
              ...messagingAttributes(topic, 'process'),
              'messaging.destination.partition.id': String(partition),
              'messaging.kafka.offset': Number(message.offset),
              'messaging.consumer.group.name': group,
              ...eventSpanAttributes(event),
            },
          },
          parent,
        );
        spans.push(span);
        events.push({ topic, partition, offset: message.offset, key: raw.key, event, raw, traceContext: trace.setSpan(parent, span) });
      } catch (err) {
        const reason: DeadLetterReason = err instanceof CloudEventDecodeError ? err.reason : 'undecodable';
        deadLetters.push({ raw, offset: message.offset, reason, detail: (err as Error).message });
      }
    }

    // kafkajs heartbeats only when asked: a batch that takes longer than the session timeout
    // (a backlog on a busy machine) would cost the membership, the commit would be refused and
    // the same batch redelivered, possibly forever. Heartbeat while the handler works.
    const beating = setInterval(() => void heartbeat().catch(() => undefined), HANDLER_HEARTBEAT_MS);
    try {
      const rejected = await this.runHandler(events, tombstones, payload, progressKey);
      if (rejected === ABANDONED) return;
      for (const dl of rejected) deadLetters.push({ raw: dl.record.raw, offset: dl.record.offset, reason: dl.reason, detail: dl.detail });
      if (deadLetters.length > 0) {
        const sent = await this.withRetry(() => this.sendDeadLetters(topic, partition, deadLetters), payload, progressKey);
        if (sent === ABANDONED) return;
      }
    } catch (err) {
      for (const span of spans) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      }
      throw err;
    } finally {
      clearInterval(beating);
      for (const span of spans) span.end();
    }

    resolveOffset(batch.lastOffset());
    await commitOffsetsIfNecessary();
    this.progressMade(progressKey);
    await heartbeat();
    processed.inc({ topic, group }, batch.messages.length);
    stopBatchTimer();
    lag.set({ topic, partition: String(partition), group }, Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1));
  }

  /**
   * Runs the handler until it succeeds (retriable failures are retried in place). When it
   * fails non-retriably on several records, they are run one at a time (tombstones in offset
   * order between them) so only the record that fails is dead-lettered; handlers are
   * idempotent, so records that already took effect take effect again harmlessly.
   */
  private async runHandler(events: readonly ConsumedEvent[], tombstones: readonly Tombstone[], payload: EachBatchPayload, progressKey: string): Promise<DeadLetter[] | Abandoned> {
    const { topic, partition } = payload.batch;
    try {
      return await this.withRetry(async () => (await this.options.handler([...events], { topic, partition, tombstones: [...tombstones] }))?.deadLetters ?? [], payload, progressKey);
    } catch (err) {
      const failure = classifyFailure(err);
      if (failure.kind === 'retriable') throw err;
      if (events.length === 0) {
        this.log.error('tombstones failed non-retriably; skipped', { topic, partition, group: this.groupId, count: tombstones.length, reason: failure.reason, error: failure.detail });
        return [];
      }
      if (events.length === 1 && tombstones.length === 0) return [{ record: events[0], reason: failure.reason, detail: failure.detail }];
      this.log.warn('batch failed non-retriably; isolating the record', { topic, partition, group: this.groupId, records: events.length, reason: failure.reason, error: failure.detail });
      const ordered = [...tombstones].sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
      const letters: DeadLetter[] = [];
      let t = 0;
      for (const event of events) {
        const before: Tombstone[] = [];
        while (t < ordered.length && BigInt(ordered[t].offset) < BigInt(event.offset)) before.push(ordered[t++]);
        if (before.length > 0) {
          const outcome = await this.runHandler([], before, payload, progressKey);
          if (outcome === ABANDONED) return ABANDONED;
        }
        const outcome = await this.runHandler([event], [], payload, progressKey);
        if (outcome === ABANDONED) return ABANDONED;
        letters.push(...outcome);
      }
      if (t < ordered.length) {
        const outcome = await this.runHandler([], ordered.slice(t), payload, progressKey);
        if (outcome === ABANDONED) return ABANDONED;
      }
      return letters;
    }
  }

  /**
   * `work` until it succeeds: a retriable failure waits (bounded exponential backoff, with
   * heartbeats) and tries again; a non-retriable one is thrown. Gives up (ABANDONED) when the
   * consumer stops or the partition is no longer ours.
   */
  private async withRetry<T>(work: () => Promise<T>, payload: EachBatchPayload, progressKey: string): Promise<T | Abandoned> {
    const { topic, partition } = payload.batch;
    const group = this.groupId;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped || !payload.isRunning() || payload.isStale()) return ABANDONED;
      try {
        return await work();
      } catch (err) {
        const failure = classifyFailure(err);
        if (failure.kind === 'non-retriable') throw err;
        batchFailures.inc({ topic, group });
        const progress = this.progress.get(progressKey);
        if (progress) progress.lastError = failure.detail;
        const delay = retryDelayMs(attempt, RETRY_INITIAL_MS, RETRY_MAX_MS);
        if (attempt === 1 || attempt % 10 === 0) {
          this.log.warn('batch failed; it will be retried', { topic, partition, group, records: payload.batch.messages.length, attempt, retryInMs: delay, error: failure.detail });
        }
        const deadline = Date.now() + delay;
        while (Date.now() < deadline) {
          if (this.stopped || !payload.isRunning() || payload.isStale()) return ABANDONED;
          await new Promise((resolve) => setTimeout(resolve, Math.min(250, deadline - Date.now())));
          await payload.heartbeat();
        }
      }
    }
  }

  private progressMade(progressKey: string): void {
    const progress = this.progress.get(progressKey);
    if (!progress) return;
    this.progress.delete(progressKey);
    if (progress.stalled) {
      stalledGauge.set({ topic: progress.topic, partition: String(progress.partition), group: this.groupId }, 0);
      this.log.info('partition recovered', { topic: progress.topic, partition: progress.partition, group: this.groupId, stalledForSeconds: Math.round((Date.now() - progress.since) / 1000) });
    }
  }

  private watchStalls(): void {
    const now = Date.now();
    for (const progress of this.progress.values()) {
      if (progress.stalled || now - progress.since < this.settings.partitionStallSeconds * 1000) continue;
      progress.stalled = true;
      stalledGauge.set({ topic: progress.topic, partition: String(progress.partition), group: this.groupId }, 1);
      this.log.error('partition stalled: no progress; readiness fails until it recovers', {
        topic: progress.topic,
        partition: progress.partition,
        group: this.groupId,
        stalledForSeconds: Math.round((now - progress.since) / 1000),
        error: progress.lastError ?? 'batch still in progress',
      });
    }
  }

  private async sendDeadLetters(topic: string, partition: number, letters: readonly PendingLetter[]): Promise<void> {
    const now = new Date().toISOString();
    // The producer splits them into requests under the broker's limit.
    await this.deadLetterProducer.publishRaw(
      this.deadLetterProducer.topic('deadLetter'),
      letters.map(({ raw, offset, reason, detail }) => deadLetterRecord(raw, { reason, detail, topic, partition, offset, group: this.groupId }, now)),
    );
    for (const { reason } of letters) deadLettered.inc({ topic, group: this.groupId, reason });
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
