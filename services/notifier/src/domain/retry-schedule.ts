/** Exponential backoff with jitter for delivery attempts. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Each further delay is this many times the previous one. */
  factor: number;
  /** 0..1: the delay is drawn from [d * (1 - jitter), d]. */
  jitter: number;
}

/** Delay after attempt `attempt` (1-based) failed, or undefined when it was the last one. `random` in [0, 1). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  const nominal = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** (attempt - 1));
  return Math.max(0, Math.round(nominal * (1 - policy.jitter * random)));
}
