import { retryDelayMs, type RetryPolicy } from './retry-schedule';

/** Status of one (event, subscription) delivery in the log. */
export const DELIVERY_STATUSES = ['PENDING', 'RETRYING', 'DELIVERED', 'FAILED', 'THROTTLED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One delivery per (event id, subscription id): the idempotency key. */
export function deliveryId(eventId: string, subscriptionId: string): string {
  return `${subscriptionId}#${eventId}`;
}

/** What one attempt came to. Permanent failures (a 4xx, a refused address) are not retried. */
export type AttemptOutcome = { kind: 'delivered' } | { kind: 'retryable'; error: string } | { kind: 'permanent'; error: string };

export type NextStep =
  | { status: 'DELIVERED' }
  | { status: 'RETRYING'; dueAt: number; error: string }
  | { status: 'FAILED'; error: string };

/** After attempt `attempt` (1-based): done, again at `dueAt`, or failed for good. */
export function nextStep(outcome: AttemptOutcome, attempt: number, policy: RetryPolicy, now: number, random: number): NextStep {
  if (outcome.kind === 'delivered') return { status: 'DELIVERED' };
  if (outcome.kind === 'permanent') return { status: 'FAILED', error: outcome.error };
  const delay = retryDelayMs(policy, attempt, random);
  if (delay === undefined) return { status: 'FAILED', error: `${outcome.error} (after ${attempt} attempts)` };
  return { status: 'RETRYING', dueAt: now + delay, error: outcome.error };
}

/** A webhook response: 2xx delivered; 408, 425, 429 and 5xx worth retrying; other codes final. */
export function classifyHttpStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 408 || status === 425 || status === 429 || status >= 500) return { kind: 'retryable', error: `HTTP ${status}` };
  return { kind: 'permanent', error: `HTTP ${status}` };
}
