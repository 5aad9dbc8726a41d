import { context } from '@opentelemetry/api';
import { alertEventId, deviceRecordKey, EVENT_TYPES, eventSource, type AlertEventData } from '@geopulse/contracts';
import type { EventProducer } from '@geopulse/kafka';
import { extractTraceContext } from '@geopulse/observability';
import type { AlertPublisher, OutgoingAlert } from '../../application/ports';

/**
 * Alert transitions as `io.geopulse.alert.v1` on the alerts topic, keyed by device. The event id
 * is `<alertId>:<START|STOP>`, so a transition re-sent after a crash is the same event. Each is
 * published inside the trace of the reading that caused it.
 */
export class KafkaAlertPublisher implements AlertPublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(alerts: readonly OutgoingAlert[]): Promise<void> {
    const byTrace = new Map<string, AlertEventData[]>();
    for (const alert of alerts) {
      const group = byTrace.get(alert.traceparent ?? '') ?? [];
      group.push(alert.data);
      byTrace.set(alert.traceparent ?? '', group);
    }
    for (const [traceparent, group] of byTrace) {
      const parent = traceparent ? extractTraceContext({ traceparent }) : context.active();
      await context.with(parent, () =>
        this.producer.publish<AlertEventData>(
          'alerts',
          group.map((data) => ({
            key: deviceRecordKey(data.tenantId, data.deviceId),
            event: {
              specversion: '1.0' as const,
              id: alertEventId(data.alertId, data.status),
              source: eventSource('rules'),
              type: EVENT_TYPES.alert,
              time: data.at,
              subject: data.deviceId,
              datacontenttype: 'application/json' as const,
              data,
            },
          })),
        ),
      );
    }
  }
}
