import { alertEventId, deviceRecordKey, encodeCloudEvent, EVENT_TYPES, eventSource, type AlertEventData, type CloudEvent } from '@geopulse/contracts';
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { startProducerSpan, type EventProducer } from '@geopulse/kafka';
import { extractTraceContext, injectTraceHeaders } from '@geopulse/observability';
import type { AlertPublisher, OutgoingAlert } from '../../application/ports';

/**
 * Alert transitions as `io.geopulse.alert.v1` on the alerts topic, keyed by device, all of a
 * batch in one publish (split by the producer into requests the broker accepts, in order; an
 * alert too large on its own is dead-lettered and logged there, the others still go out, and
 * the batch is not retried for it). The event id is `<alertId>:<START|STOP>` (INSUFFICIENT_DATA adds its time), so a transition re-sent
 * after a crash is the same event. Each record carries the trace context of the reading that
 * caused it, so the alert continues that reading's trace through a producer span per alert.
 */
export class KafkaAlertPublisher implements AlertPublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(alerts: readonly OutgoingAlert[]): Promise<void> {
    const topic = this.producer.topic('alerts');
    const spans: Span[] = [];
    const records = alerts.map(({ data, traceparent }) => {
      const event: CloudEvent<AlertEventData> = {
        specversion: '1.0' as const,
        id: alertEventId(data.alertId, data.status, data.at),
        source: eventSource('rules'),
        type: EVENT_TYPES.alert,
        time: data.at,
        subject: data.deviceId,
        datacontenttype: 'application/json' as const,
        data,
      };
      const record = encodeCloudEvent(event, deviceRecordKey(data.tenantId, data.deviceId));
      if (traceparent) {
        const parent = extractTraceContext({ traceparent });
        const span = startProducerSpan(topic, [event], parent);
        spans.push(span);
        injectTraceHeaders(record.headers, trace.setSpan(parent, span));
      }
      return record;
    });
    try {
      await this.producer.publishRaw(topic, records);
    } catch (err) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      for (const span of spans) span.end();
    }
  }
}
