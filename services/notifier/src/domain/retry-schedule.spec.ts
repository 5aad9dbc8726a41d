import { classifyHttpStatus, nextStep } from './delivery';
import { retryDelayMs, type RetryPolicy } from './retry-schedule';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 5000, factor: 2, jitter: 0.5 };

describe('retry schedule', () => {
  it('grows exponentially up to the cap, with jitter taking at most `jitter` off', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(policy, a, 0))).toEqual([1000, 2000, 4000, 5000]);
    expect(retryDelayMs(policy, 1, 0.999)).toBe(500);
    expect(retryDelayMs(policy, 5, 0)).toBeUndefined();
  });

  it('delays never shrink below the cap with factor 2 and jitter up to 0.5', () => {
    for (let a = 1; a < 3; a++) expect(retryDelayMs(policy, a + 1, 0.999)!).toBeGreaterThanOrEqual(retryDelayMs(policy, a, 0)!);
  });
});

describe('nextStep', () => {
  it('delivers, retries at now + delay, and fails after the last attempt or a permanent error', () => {
    expect(nextStep({ kind: 'delivered' }, 1, policy, 0, 0)).toEqual({ status: 'DELIVERED' });
    expect(nextStep({ kind: 'retryable', error: 'HTTP 500' }, 2, policy, 10_000, 0)).toEqual({ status: 'RETRYING', dueAt: 12_000, error: 'HTTP 500' });
    expect(nextStep({ kind: 'retryable', error: 'HTTP 500' }, 5, policy, 0, 0)).toEqual({ status: 'FAILED', error: 'HTTP 500 (after 5 attempts)' });
    expect(nextStep({ kind: 'permanent', error: 'HTTP 404' }, 1, policy, 0, 0)).toEqual({ status: 'FAILED', error: 'HTTP 404' });
  });

  it('classifies HTTP answers', () => {
    expect(classifyHttpStatus(204).kind).toBe('delivered');
    expect(classifyHttpStatus(500).kind).toBe('retryable');
    expect(classifyHttpStatus(429).kind).toBe('retryable');
    expect(classifyHttpStatus(410).kind).toBe('permanent');
  });
});
