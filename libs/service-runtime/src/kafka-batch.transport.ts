import { applyDecorators, Catch, Injectable, UseFilters, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, EventPattern, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import type { KafkaSettings } from '@geopulse/config';
import { topicName, type TopicKey } from '@geopulse/contracts';
import { BatchConsumer, type ConsumedEvent, type DeadLetter, type EventProducer, type Kafka, type Tombstone } from '@geopulse/kafka';
import type { JsonLogger } from '@geopulse/observability';

/** What a `@BatchEventPattern` handler receives: a whole fetched batch of one partition. */
export interface ConsumedBatch {
  topic: string;
  partition: number;
  events: ConsumedEvent[];
  /** Keys deleted on a compacted topic (a key and no value). */
  tombstones: Tombstone[];
}

/** What a handler may return: records the domain rejects, dead-lettered with their reason. */
export type BatchOutcome = { deadLetters?: DeadLetter[] } | void;

/** One consumer group of a service: its group id and when it may join. */
export interface ConsumerDefinition {
  groupId: string;
  /** A new group starts at the earliest offset (default true). */
  fromBeginning?: boolean;
  /** Resolves when the consumer may start, e.g. once the rules are loaded. */
  startAfter?: () => Promise<void>;
}

/** Batch context of a handler (`@Ctx()`): topic, partition and consumer name. */
export class KafkaBatchContext extends BaseRpcContext<[string, number, string]> {
  get topic(): string {
    return this.args[0];
  }
  get partition(): number {
    return this.args[1];
  }
  get consumer(): string {
    return this.args[2];
  }
}

/** Hands a handler's error to the transport as it was thrown, so libs/kafka can classify it. */
@Catch()
export class RethrowBatchErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Declares a handler of every batch of `topic` read by the service's consumer `consumer`
 * (a name of PlatformModule's `consumers`; handlers with the same consumer share its group).
 * The handler gets a ConsumedBatch, never one message at a time; the offsets are committed
 * after it resolves. Throw for failures (classified by libs/kafka: retried or dead-lettered):
 * the handler's own filter passes the error on as thrown, where Nest's default RPC filter
 * would turn it into a plain `{ status: 'error' }` object and every failure into a retry.
 */
export const BatchEventPattern = (topic: TopicKey, consumer: string): MethodDecorator =>
  applyDecorators(EventPattern({ consumer, topic }, { consumer, topic }), UseFilters(new RethrowBatchErrors()));

/** A batch handler as Nest registered it (the pattern names consumer and topic, so two groups may read one topic). */
type BatchHandler = (data: ConsumedBatch, context: KafkaBatchContext) => Promise<unknown>;

/**
 * The service's consumer groups by name: their definitions, and once the transport started
 * them, their BatchConsumers (readiness, assignment for timers of owned partitions).
 */
@Injectable()
export class KafkaConsumers {
  private readonly running = new Map<string, BatchConsumer>();

  constructor(readonly definitions: Readonly<Record<string, ConsumerDefinition>>) {}

  names(): string[] {
    return Object.keys(this.definitions);
  }

  attach(name: string, consumer: BatchConsumer): void {
    this.running.set(name, consumer);
  }

  detach(name: string): void {
    this.running.delete(name);
  }

  /** Partitions of each topic this replica owns in the consumer (empty until it joined). */
  assignment(name: string): ReadonlyMap<string, readonly number[]> {
    return this.running.get(name)?.assignment() ?? new Map();
  }

  readiness(name: string): { ok: boolean; error?: string } {
    return this.running.get(name)?.readiness() ?? { ok: false, error: 'consumer not started' };
  }
}

interface BatchTransportDependencies {
  kafka: Kafka;
  settings: KafkaSettings;
  producer: EventProducer;
  logger: JsonLogger;
  consumers: KafkaConsumers;
}

/**
 * A Nest transport (`CustomTransportStrategy`) over libs/kafka's BatchConsumer: one
 * consumer group per defined consumer, subscribed to the topics its `@BatchEventPattern`
 * handlers name. Each fetched batch goes to the handler of its topic whole; dead letters,
 * failure classification, stall detection and metrics are BatchConsumer's. Nest's own Kafka
 * transport hands over one message at a time, which the hot path cannot afford.
 */
export class KafkaBatchTransport extends Server implements CustomTransportStrategy {
  private readonly started: Array<{ name: string; consumer: BatchConsumer }> = [];
  private closing = false;

  constructor(private readonly deps: BatchTransportDependencies) {
    super();
  }

  listen(callback: (err?: unknown) => void): void {
    try {
      const byConsumer = this.handlersByConsumer();
      for (const [name, handlers] of byConsumer) void this.startConsumer(name, handlers);
      callback();
    } catch (err) {
      callback(err);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled(
      this.started.map(async ({ name, consumer }) => {
        await consumer.stop();
        this.deps.consumers.detach(name);
      }),
    );
  }

  on(): never {
    throw new Error('KafkaBatchTransport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.deps.kafka as T;
  }

  /** Handlers by topic key by consumer name, from the registered handlers; a handler naming an undefined consumer is an error. */
  private handlersByConsumer(): Map<string, Map<TopicKey, BatchHandler>> {
    const byConsumer = new Map<string, Map<TopicKey, BatchHandler>>();
    for (const [pattern, handler] of this.messageHandlers) {
      const { consumer, topic } = (handler.extras ?? {}) as { consumer?: unknown; topic?: unknown };
      if (typeof consumer !== 'string' || typeof topic !== 'string' || !this.deps.consumers.definitions[consumer]) {
        throw new Error(`@BatchEventPattern(${pattern}) names consumer ${String(consumer)}, which PlatformModule's consumers do not define`);
      }
      const handlers = byConsumer.get(consumer) ?? new Map<TopicKey, BatchHandler>();
      handlers.set(topic as TopicKey, handler as BatchHandler);
      byConsumer.set(consumer, handlers);
    }
    return byConsumer;
  }

  private async startConsumer(name: string, handlers: ReadonlyMap<TopicKey, BatchHandler>): Promise<void> {
    const definition = this.deps.consumers.definitions[name];
    await definition.startAfter?.();
    if (this.closing) return;
    const topics = [...handlers.keys()];
    const handlerOf = new Map(topics.map((key) => [topicName(key, this.deps.settings.topicPrefix), handlers.get(key)!]));
    const consumer = new BatchConsumer(this.deps.kafka, this.deps.settings, this.deps.producer, this.deps.logger.child(name), {
      groupId: definition.groupId,
      topics,
      fromBeginning: definition.fromBeginning ?? true,
      handler: async (events, batch) => {
        const handler = handlerOf.get(batch.topic);
        if (!handler) throw new Error(`no handler for topic ${batch.topic}`);
        const data: ConsumedBatch = { topic: batch.topic, partition: batch.partition, events, tombstones: batch.tombstones };
        const result = (await lastValueFrom(this.transformToObservable(await handler(data, new KafkaBatchContext([batch.topic, batch.partition, name]))), {
          defaultValue: undefined,
        })) as BatchOutcome;
        return result ?? undefined;
      },
    });
    this.deps.consumers.attach(name, consumer);
    this.started.push({ name, consumer });
    consumer.start();
  }
}
