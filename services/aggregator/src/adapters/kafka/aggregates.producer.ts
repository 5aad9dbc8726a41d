import { context } from '@opentelemetry/api';
import { aggregateEventId, deviceRecordKey, EVENT_TYPES, eventSource, type TelemetryAggregate } from '@geopulse/contracts';
import type { EventProducer } from '@geopulse/kafka';
import { extractTraceContext } from '@geopulse/observability';
import type { AggregatePublisher } from '../../application/aggregate-windows';

const CONCURRENCY = 32;

/**
 * Closed windows to `geopulse.aggregates.v1` as CloudEvents. Each event continues the trace of
 * the reading that last changed its window, so it is sent on its own: devices in parallel (up
 * to CONCURRENCY), one device's events in order, so revisions reach the topic in order. The id
 * is deterministic per (window, revision): a resend after a crash is a duplicate consumers can
 * recognise.
 */
export class KafkaAggregatePublisher implements AggregatePublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(aggregates: ReadonlyArray<{ aggregate: TelemetryAggregate; traceparent?: string }>): Promise<void> {
    const byDevice = new Map<string, Array<{ aggregate: TelemetryAggregate; traceparent?: string }>>();
    for (const a of aggregates) {
      const key = deviceRecordKey(a.aggregate.tenantId, a.aggregate.deviceId);
      byDevice.set(key, [...(byDevice.get(key) ?? []), a]);
    }
    const devices = [...byDevice.values()];
    for (let i = 0; i < devices.length; i += CONCURRENCY) {
      await Promise.all(
        devices.slice(i, i + CONCURRENCY).map(async (list) => {
          for (const a of list) await this.publishOne(a.aggregate, a.traceparent);
        }),
      );
    }
  }

  /** One aggregate is far below the request limit; were it over, the producer dead-letters it. */
  private async publishOne(aggregate: TelemetryAggregate, traceparent?: string): Promise<void> {
    const ctx = traceparent ? extractTraceContext({ traceparent }) : context.active();
    await context.with(ctx, () =>
      this.producer.publish('aggregates', [
        {
          key: deviceRecordKey(aggregate.tenantId, aggregate.deviceId),
          event: {
            specversion: '1.0',
            id: aggregateEventId(aggregate.tenantId, aggregate.deviceId, Date.parse(aggregate.windowStart), aggregate.revision),
            source: eventSource('aggregator'),
            type: EVENT_TYPES.aggregate,
            time: aggregate.windowEnd,
            subject: aggregate.deviceId,
            datacontenttype: 'application/json',
            data: aggregate,
          },
        },
      ]),
    );
  }
}
