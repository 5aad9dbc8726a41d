/**
 * How long the feed waits after a failed post. Every failure backs off exponentially from the
 * tick interval (at least a second) up to 30 s, so a down or overloaded ingest is not hammered
 * and the log gets one line per attempt, not one per interval; a server's Retry-After (429,
 * 503) wins, up to a minute. The next success resets the count.
 */
export const MAX_BACKOFF_MS = 30_000;
export const MAX_RETRY_AFTER_MS = 60_000;

export function retryDelayMs(failures: number, intervalMs: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.min(MAX_RETRY_AFTER_MS, Math.max(retryAfterMs, intervalMs));
  }
  const base = Math.max(intervalMs, 1000);
  return Math.min(MAX_BACKOFF_MS, base * 2 ** Math.max(0, Math.min(failures - 1, 16)));
}

/** Parses a Retry-After header: delay-seconds or an HTTP date. Undefined when absent or invalid. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
