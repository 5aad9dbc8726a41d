import type { SimulatedReading } from '../domain/device-feed';
import { retryDelayMs } from '../domain/retry-delay';

/** What a post to ingest came to. */
export type PostOutcome =
  | { kind: 'accepted'; status: number; accepted: number; latencyMs: number }
  | { kind: 'rejected'; status: number; code: string; message: string; retryAfterMs?: number; latencyMs: number }
  | { kind: 'unreachable'; error: string; latencyMs: number };

export interface IngestPort {
  post(readings: SimulatedReading[], signal: AbortSignal): Promise<PostOutcome>;
}

export interface ReadingSource {
  tick(nowMs: number): SimulatedReading[];
}

export type LogLevel = 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, msg: string, fields?: Record<string, string | number | boolean | undefined>) => void;

export interface FeedLoop {
  source: ReadingSource;
  ingest: IngestPort;
  intervalMs: number;
  now: () => number;
  /** Resolves after ms, or at once when the signal aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  log: Log;
}

export interface FeedTotals {
  ticks: number;
  sent: number;
  accepted: number;
  failedPosts: number;
}

/**
 * Every interval: one batch of every device's readings to ingest, one log line. A failed post
 * is not resent (the next tick carries newer readings); the loop backs off and keeps going
 * until the signal aborts, then resolves with the totals.
 */
export async function runFeed(loop: FeedLoop, signal: AbortSignal): Promise<FeedTotals> {
  const totals: FeedTotals = { ticks: 0, sent: 0, accepted: 0, failedPosts: 0 };
  let failures = 0;
  while (!signal.aborted) {
    const started = loop.now();
    const readings = loop.source.tick(started);
    const outcome = await loop.ingest.post(readings, signal);
    if (signal.aborted && outcome.kind === 'unreachable') break; // cut short by the stop signal
    totals.ticks += 1;
    totals.sent += readings.length;

    let waitMs: number;
    if (outcome.kind === 'accepted') {
      failures = 0;
      totals.accepted += outcome.accepted;
      waitMs = Math.max(0, started + loop.intervalMs - loop.now());
      loop.log(outcome.accepted === readings.length ? 'info' : 'warn', 'tick', {
        tick: totals.ticks,
        readings: readings.length,
        status: outcome.status,
        accepted: outcome.accepted,
        ms: outcome.latencyMs,
      });
    } else {
      failures += 1;
      totals.failedPosts += 1;
      waitMs = retryDelayMs(failures, loop.intervalMs, outcome.kind === 'rejected' ? outcome.retryAfterMs : undefined);
      loop.log(outcome.kind === 'rejected' && outcome.status < 500 && outcome.status !== 429 ? 'error' : 'warn', 'tick', {
        tick: totals.ticks,
        readings: readings.length,
        status: outcome.kind === 'rejected' ? outcome.status : undefined,
        accepted: 0,
        ms: outcome.latencyMs,
        error: outcome.kind === 'rejected' ? outcome.code : 'UNREACHABLE',
        detail: outcome.kind === 'rejected' ? outcome.message : outcome.error,
        retryInMs: waitMs,
      });
    }
    await loop.sleep(waitMs, signal);
  }
  return totals;
}
