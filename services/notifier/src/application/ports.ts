import type { DeliveryStatus } from '../domain/delivery';
import type { ComposedMessage } from '../domain/message-template';
import type { NotificationEvent } from '../domain/notification-event';
import type { Subscription, WebhookChannel } from '../domain/subscription';
import type { AttemptOutcome } from '../domain/delivery';

export type Clock = () => number;

export interface SubscriptionRepository {
  get(tenantId: string, id: string): Promise<Subscription | undefined>;
  list(tenantId: string, limit: number, cursor?: string): Promise<{ items: Subscription[]; nextCursor?: string }>;
  /** Every subscription of the tenant (for matching). */
  all(tenantId: string): Promise<Subscription[]>;
  /** Conditional on the version read (null: must not exist); false when someone else won. */
  save(sub: Subscription, expectedVersion: number | null): Promise<boolean>;
  remove(tenantId: string, id: string): Promise<boolean>;
}

/** One delivery of one event to one subscription, as queued. */
export interface DeliveryJob {
  /** deliveryId(eventId, subscriptionId): the idempotency key. */
  id: string;
  tenantId: string;
  subscriptionId: string;
  channel: 'email' | 'webhook';
  event: NotificationEvent;
  recordKey: string | null;
  /** W3C traceparent of the consumed record, so the delivery continues its trace. */
  traceparent?: string;
  /** Attempts made so far. */
  attempts: number;
  enqueuedAt: number;
  lastError?: string;
}

export type EnqueueResult = 'enqueued' | 'duplicate' | 'throttled';

/**
 * Durable delayed queue of deliveries. `enqueue` is idempotent per job id (a job queued,
 * in flight or finished within the dedup window is not queued again) and applies the
 * throttle per (subscription, device) atomically with it.
 */
export interface DeliveryQueue {
  enqueue(jobs: ReadonlyArray<{ job: DeliveryJob; throttleMs: number }>, now: number): Promise<EnqueueResult[]>;
  /** Due jobs, hidden from other workers until `now + leaseMs`. */
  claim(now: number, limit: number, leaseMs: number): Promise<DeliveryJob[]>;
  reschedule(job: DeliveryJob, dueAt: number): Promise<void>;
  /** Removes the job and remembers it as finished (dedup window). */
  finish(job: DeliveryJob, status: DeliveryStatus): Promise<void>;
  depth(): Promise<number>;
}

export interface DeliveryRecord {
  tenantId: string;
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  deviceId: string;
  channel: 'email' | 'webhook';
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
  nextAttemptAt?: string;
  deliveredAt?: string;
  createdAt: string;
  updatedAt: string;
  traceId?: string;
}

export interface DeliveryLog {
  /** Writes the first record unless one exists (a redelivered event never resets a finished one). */
  create(record: DeliveryRecord): Promise<void>;
  put(record: DeliveryRecord): Promise<void>;
  list(tenantId: string, query: { subscriptionId?: string; status?: DeliveryStatus; limit: number; cursor?: string }): Promise<{ items: DeliveryRecord[]; nextCursor?: string }>;
}

export interface EmailMessage extends ComposedMessage {
  to: string[];
  /** Stable per delivery, so receivers can de-duplicate. */
  messageId: string;
  headers: Record<string, string>;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<AttemptOutcome>;
}

export interface WebhookSender {
  send(channel: WebhookChannel, event: NotificationEvent, deliveryId: string): Promise<AttemptOutcome>;
}

/** Writes a finally failed delivery to the dead-letter topic. */
export interface DeadLetterSink {
  publish(job: DeliveryJob, reason: 'delivery-failed', detail: string): Promise<void>;
}

/** DNS: every address of a host name. */
export type HostResolver = (host: string) => Promise<string[]>;
