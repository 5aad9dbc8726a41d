import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { KafkaSettings } from '@geopulse/config';
import { BatchConsumer, EventProducer, type ConsumedEvent, type DeadLetter, type Kafka } from '@geopulse/kafka';
import { injectTraceHeaders, type JsonLogger } from '@geopulse/observability';
import { KAFKA, KAFKA_SETTINGS, LOGGER } from '@geopulse/service-runtime';
import { RouteEvents, type RoutableEvent } from '../../application/route-events';
import { InvalidNotificationEvent, parseNotificationEvent } from '../../domain/notification-event';

/** One parser for both topics: records -> routable events and dead letters (with the reason). */
export function parseRecords(records: readonly ConsumedEvent[]): { events: RoutableEvent[]; deadLetters: DeadLetter[] } {
  const events: RoutableEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const record of records) {
    try {
      const event = parseNotificationEvent(record.event, record.key);
      // The alert names the reading's trace; otherwise the trace this record continues.
      const spanContext = trace.getSpanContext(record.traceContext);
      if (!event.traceId && spanContext && trace.isSpanContextValid(spanContext)) event.traceId = spanContext.traceId;
      const traceparent = injectTraceHeaders({}, record.traceContext).traceparent;
      events.push({ event, recordKey: record.key, ...(traceparent ? { traceparent } : {}) });
    } catch (err) {
      if (!(err instanceof InvalidNotificationEvent)) throw err;
      deadLetters.push({ record, reason: err.reason, detail: err.message });
    }
  }
  return { events, deadLetters };
}

/**
 * `geopulse.alerts.v1` + `geopulse.geofence-events.v1` -> delivery jobs. The batch's jobs
 * are in the durable queue before BatchConsumer commits its offsets.
 */
@Injectable()
export class NotificationEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: BatchConsumer;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(KAFKA_SETTINGS) settings: KafkaSettings,
    producer: EventProducer,
    @Inject(LOGGER) logger: JsonLogger,
    @Inject(RouteEvents) private readonly route: RouteEvents,
  ) {
    this.consumer = new BatchConsumer(kafka, settings, producer, logger.child('events-consumer'), {
      groupId: 'geopulse-notifier',
      topics: ['alerts', 'geofenceEvents'],
      handler: async (records) => {
        const { events, deadLetters } = parseRecords(records);
        if (events.length > 0) await this.route.execute(events);
        return { deadLetters };
      },
    });
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  healthy(): boolean {
    return this.consumer.healthy();
  }
}
