import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { trace } from '@opentelemetry/api';
import { parseReadingEvents } from '@geopulse/kafka';
import { BatchEventPattern, type ConsumedBatch } from '@geopulse/service-runtime';
import { StreamHub } from '../../application/stream-hub';
import { notificationStreamEvent, readingEvents, type LiveEvent } from '../../domain/stream/stream-event';
import { parseRecords } from './notification-events.consumer';

/** The stream's consumer: one group per replica (every replica sees every event), from the latest offset. */
export const STREAM_CONSUMER = 'stream-consumer';
export const streamGroupId = (replicaId: string): string => `geopulse-notifier-stream-${replicaId}`;

/**
 * Telemetry, alerts and geofence events -> the replica's live stream. Records that do not
 * parse are skipped, not dead-lettered: the service's main group (and the other services)
 * already dead-letter them once, and a copy per replica would only be noise.
 */
@ApiExcludeController()
@Controller()
export class StreamEventsConsumer {
  constructor(@Inject(StreamHub) private readonly hub: StreamHub) {}

  @BatchEventPattern('telemetry', STREAM_CONSUMER)
  async telemetry(@Payload() batch: ConsumedBatch): Promise<void> {
    const { readings } = parseReadingEvents(batch.events, (reading, record) => {
      const span = trace.getSpanContext(record.traceContext);
      return readingEvents(reading, span && trace.isSpanContextValid(span) ? span.traceId : undefined);
    });
    await this.hub.publish(readings.flat());
  }

  @BatchEventPattern('alerts', STREAM_CONSUMER)
  alerts(@Payload() batch: ConsumedBatch): Promise<void> {
    return this.notifications(batch);
  }

  @BatchEventPattern('geofenceEvents', STREAM_CONSUMER)
  geofenceEvents(@Payload() batch: ConsumedBatch): Promise<void> {
    return this.notifications(batch);
  }

  private async notifications(batch: ConsumedBatch): Promise<void> {
    const events: LiveEvent[] = parseRecords(batch.events).events.map((e) => notificationStreamEvent(e.event));
    await this.hub.publish(events);
  }
}
