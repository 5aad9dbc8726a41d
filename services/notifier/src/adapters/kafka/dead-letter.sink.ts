import { EVENT_TYPES, encodeCloudEvent } from '@geopulse/contracts';
import { deadLetterRecord, type DeadLetterReason, type EventProducer } from '@geopulse/kafka';
import { injectTraceHeaders } from '@geopulse/observability';
import type { DeadLetterSink, DeliveryJob } from '../../application/ports';

/** Extra headers of a failed delivery's dead letter, on top of the shared DEAD_LETTER_HEADERS. */
export const DELIVERY_DEAD_LETTER_HEADERS = {
  subscription: 'geopulse-dlq-subscription',
  channel: 'geopulse-dlq-channel',
  attempts: 'geopulse-dlq-attempts',
} as const;

/** The original event (same type, id and data) on `geopulse.deadletter.v1`, with why and for whom it failed. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(private readonly producer: EventProducer) {}

  async publish(job: DeliveryJob, reason: DeadLetterReason, detail: string): Promise<void> {
    const record = encodeCloudEvent(job.event.cloudEvent, job.recordKey);
    const headers = injectTraceHeaders({ ...record.headers });
    const extraHeaders = {
      [DELIVERY_DEAD_LETTER_HEADERS.subscription]: job.subscriptionId,
      [DELIVERY_DEAD_LETTER_HEADERS.channel]: job.channel,
      [DELIVERY_DEAD_LETTER_HEADERS.attempts]: String(job.attempts),
    };
    await this.producer.publishRaw(this.producer.topic('deadLetter'), [
      deadLetterRecord({ key: record.key, value: record.value, headers }, { reason, detail, topic: this.producer.topic(job.event.cloudEvent.type === EVENT_TYPES.alert ? 'alerts' : 'geofenceEvents'), group: 'geopulse-notifier', extraHeaders }),
    ]);
  }
}
