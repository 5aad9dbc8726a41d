import { MAX_BACKOFF_MS, MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelayMs } from './retry-delay';

describe('retryDelayMs', () => {
  it('doubles from the interval (at least a second) up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((failures) => retryDelayMs(failures, 1000))).toEqual([
      1000, 2000, 4000, 8000, 16_000, MAX_BACKOFF_MS, MAX_BACKOFF_MS,
    ]);
    expect(retryDelayMs(1, 200)).toBe(1000);
    expect(retryDelayMs(2, 5000)).toBe(10_000);
  });

  it("follows the server's Retry-After, never below the interval nor above a minute", () => {
    expect(retryDelayMs(1, 1000, 5000)).toBe(5000);
    expect(retryDelayMs(9, 1000, 5000)).toBe(5000);
    expect(retryDelayMs(1, 1000, 0)).toBe(1000);
    expect(retryDelayMs(1, 1000, 3600_000)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');

  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores a missing or unreadable header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
