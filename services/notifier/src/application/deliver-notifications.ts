import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { DEVICE_ATTRIBUTE, extractTraceContext, metric, TENANT_ATTRIBUTE, type ComponentLogger } from '@geopulse/observability';
import { nextStep, type AttemptOutcome } from '../domain/delivery';
import { composeMessage } from '../domain/message-template';
import type { NotificationEvent } from '../domain/notification-event';
import type { Subscription } from '../domain/subscription';
import type { RetryPolicy } from '../domain/retry-schedule';
import type { Clock, DeadLetterSink, DeliveryJob, DeliveryLog, DeliveryQueue, DeliveryRecord, EmailSender, WebhookSender } from './ports';

const tracer = trace.getTracer('geopulse-notifier');
const deliveries = metric.counter('geopulse_notifier_deliveries_total', 'Delivery attempts and final outcomes, by channel and status', ['channel', 'status']);
const attemptSeconds = metric.histogram('geopulse_notifier_attempt_seconds', 'Duration of one delivery attempt', ['channel'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
const latencySeconds = metric.histogram('geopulse_notifier_delivery_latency_seconds', 'From consuming the event to its successful delivery (retries included)', ['channel'], [
  0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
]);

export interface DeliverySettings {
  retry: RetryPolicy;
  traceUrlTemplate: string;
}

/** Reads a subscription for delivery (may be cached briefly). */
export type SubscriptionLookup = (tenantId: string, id: string) => Promise<Subscription | undefined>;

/**
 * One delivery attempt of a queued job and what follows from it: DELIVERED, another attempt
 * later (exponential backoff with jitter, durable in the queue), or FAILED with a dead letter.
 */
export class DeliverNotifications {
  constructor(
    private readonly lookup: SubscriptionLookup,
    private readonly email: EmailSender,
    private readonly webhook: WebhookSender,
    private readonly queue: DeliveryQueue,
    private readonly log: DeliveryLog,
    private readonly deadLetters: DeadLetterSink,
    private readonly settings: DeliverySettings,
    private readonly clock: Clock,
    private readonly logger: ComponentLogger,
    private readonly random: () => number = Math.random,
  ) {}

  /** Sends once through the subscription's channel; never throws (errors are retryable outcomes). */
  async attempt(sub: Subscription, event: NotificationEvent, deliveryId: string): Promise<AttemptOutcome> {
    try {
      if (sub.channel.type === 'email') {
        const message = composeMessage(event, sub.name, this.settings.traceUrlTemplate);
        return await this.email.send({
          ...message,
          to: sub.channel.to,
          messageId: deliveryId,
          headers: {
            'X-Geopulse-Event-Id': event.eventId,
            'X-Geopulse-Subscription-Id': sub.id,
            'X-Geopulse-Event-Type': event.type,
            ...(event.traceId ? { 'X-Geopulse-Trace-Id': event.traceId } : {}),
          },
        });
      }
      return await this.webhook.send(sub.channel, event, deliveryId);
    } catch (err) {
      return { kind: 'retryable', error: (err as Error).message };
    }
  }

  /** Processes one claimed job to its next state. */
  async process(job: DeliveryJob): Promise<void> {
    const parent = job.traceparent ? extractTraceContext({ traceparent: job.traceparent }) : context.active();
    const span = tracer.startSpan(`notify ${job.channel}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        'geopulse.subscription.id': job.subscriptionId,
        'geopulse.event.id': job.event.eventId,
        'geopulse.delivery.id': job.id,
        'geopulse.delivery.channel': job.channel,
        'geopulse.delivery.attempt': job.attempts + 1,
        // The delivered message is the CloudEvent (webhook) or its rendering (email).
        'messaging.message.id': job.event.eventId,
        [TENANT_ATTRIBUTE]: job.tenantId,
        [DEVICE_ATTRIBUTE]: job.event.deviceId,
      },
    }, parent);
    try {
      await context.with(trace.setSpan(parent, span), () => this.processInSpan(job));
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  }

  private async processInSpan(job: DeliveryJob): Promise<void> {
    const sub = await this.lookup(job.tenantId, job.subscriptionId);
    const attempts = job.attempts + 1;
    if (!sub || !sub.enabled) {
      // The operator removed or silenced it: drop queued deliveries (logged, not dead-lettered).
      await this.finish(job, attempts - 1, { status: 'FAILED', error: sub ? 'subscription was disabled' : 'subscription was deleted' }, false);
      return;
    }
    const started = this.clock();
    const outcome = await this.attempt(sub, job.event, job.id);
    attemptSeconds.observe({ channel: job.channel }, (this.clock() - started) / 1000);
    const step = nextStep(outcome, attempts, this.settings.retry, this.clock(), this.random());
    if (step.status === 'RETRYING') {
      deliveries.inc({ channel: job.channel, status: 'RETRYING' });
      const next: DeliveryJob = { ...job, attempts, lastError: step.error };
      await this.log.put(this.record(next, 'RETRYING', { lastError: step.error, nextAttemptAt: new Date(step.dueAt).toISOString() }));
      await this.queue.reschedule(next, step.dueAt);
      trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message: step.error });
      this.logger.info('delivery will be retried', { deliveryId: job.id, attempts, error: step.error, dueAt: new Date(step.dueAt).toISOString() });
      return;
    }
    await this.finish(job, attempts, step, true);
  }

  private async finish(job: DeliveryJob, attempts: number, step: { status: 'DELIVERED' } | { status: 'FAILED'; error: string }, deadLetter: boolean): Promise<void> {
    const done: DeliveryJob = { ...job, attempts, ...(step.status === 'FAILED' ? { lastError: step.error } : {}) };
    if (step.status === 'FAILED') {
      // Dead letter first: if we die after it, the job runs again and may dead-letter twice, never zero times.
      if (deadLetter) await this.deadLetters.publish(done, 'delivery-failed', step.error);
      trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message: step.error });
      this.logger.warn('delivery failed for good', { deliveryId: job.id, attempts, error: step.error });
    } else {
      latencySeconds.observe({ channel: job.channel }, Math.max(0, this.clock() - job.enqueuedAt) / 1000);
    }
    deliveries.inc({ channel: job.channel, status: step.status });
    const now = new Date(this.clock()).toISOString();
    await this.log.put(this.record(done, step.status, step.status === 'FAILED' ? { lastError: step.error } : { deliveredAt: now, ...(job.lastError ? { lastError: job.lastError } : {}) }));
    await this.queue.finish(done, step.status);
  }

  private record(job: DeliveryJob, status: DeliveryRecord['status'], extra: Partial<DeliveryRecord>): DeliveryRecord {
    return {
      ...deliveryRecord(job, status, this.clock()),
      attempts: job.attempts,
      ...extra,
    };
  }
}

/** The log entry of a job in a given status. */
export function deliveryRecord(job: DeliveryJob, status: DeliveryRecord['status'], now: number): DeliveryRecord {
  return {
    tenantId: job.tenantId,
    id: job.id,
    subscriptionId: job.subscriptionId,
    eventId: job.event.eventId,
    eventType: job.event.type,
    deviceId: job.event.deviceId,
    channel: job.channel,
    status,
    attempts: job.attempts,
    createdAt: new Date(job.enqueuedAt).toISOString(),
    updatedAt: new Date(now).toISOString(),
    ...(job.event.traceId ? { traceId: job.event.traceId } : {}),
  };
}
