import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { trace } from '@opentelemetry/api';
import type { ConsumedEvent, DeadLetter } from '@geopulse/kafka';
import { injectTraceHeaders } from '@geopulse/observability';
import { BatchEventPattern, type ConsumedBatch } from '@geopulse/service-runtime';
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

/** The service's one consumer group (and its readiness check's name). */
export const EVENTS_CONSUMER = 'events-consumer';
export const NOTIFIER_GROUP_ID = 'geopulse-notifier';

/**
 * `geopulse.alerts.v1` + `geopulse.geofence-events.v1` -> delivery jobs, a whole batch at a
 * time. The batch's jobs are in the durable queue before the transport commits its offsets.
 */
@ApiExcludeController()
@Controller()
export class NotificationEventsConsumer {
  constructor(@Inject(RouteEvents) private readonly route: RouteEvents) {}

  @BatchEventPattern('alerts', EVENTS_CONSUMER)
  alerts(@Payload() batch: ConsumedBatch): Promise<{ deadLetters: DeadLetter[] }> {
    return this.handle(batch);
  }

  @BatchEventPattern('geofenceEvents', EVENTS_CONSUMER)
  geofenceEvents(@Payload() batch: ConsumedBatch): Promise<{ deadLetters: DeadLetter[] }> {
    return this.handle(batch);
  }

  private async handle(batch: ConsumedBatch): Promise<{ deadLetters: DeadLetter[] }> {
    const { events, deadLetters } = parseRecords(batch.events);
    if (events.length > 0) await this.route.execute(events);
    return { deadLetters };
  }
}
