import { encodeCloudEvent } from '@geopulse/contracts';
import { DEAD_LETTER_HEADERS, type EventProducer } from '@geopulse/kafka';
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

  async publish(job: DeliveryJob, reason: string, detail: string): Promise<void> {
    const record = encodeCloudEvent(job.event.cloudEvent, job.recordKey);
    const headers = injectTraceHeaders({ ...record.headers });
    await this.producer.publishRaw(this.producer.topic('deadLetter'), [
      {
        key: record.key,
        value: record.value,
        headers: {
          ...headers,
          [DEAD_LETTER_HEADERS.reason]: reason,
          [DEAD_LETTER_HEADERS.detail]: detail.slice(0, 1000),
          [DEAD_LETTER_HEADERS.group]: 'geopulse-notifier',
          [DEAD_LETTER_HEADERS.time]: new Date().toISOString(),
          [DELIVERY_DEAD_LETTER_HEADERS.subscription]: job.subscriptionId,
          [DELIVERY_DEAD_LETTER_HEADERS.channel]: job.channel,
          [DELIVERY_DEAD_LETTER_HEADERS.attempts]: String(job.attempts),
        },
      },
    ]);
  }
}
