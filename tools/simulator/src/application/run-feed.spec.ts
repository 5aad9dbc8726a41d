import type { SimulatedReading } from '../domain/device-feed';
import { runFeed, type FeedLoop, type LogLevel, type PostOutcome } from './run-feed';

const reading = (ts: number): SimulatedReading => ({
  deviceId: 'vehicle-1',
  ts: new Date(ts).toISOString(),
  position: { lat: 52.37, lon: 4.89 },
  metrics: { fuel: 50, engineOn: true },
});

/** A loop on a fake clock: sleeping advances time, and the run stops after `posts` posts. */
function harness(outcomes: PostOutcome[], intervalMs = 1000) {
  const stop = new AbortController();
  let clock = 1_000_000;
  const sleeps: number[] = [];
  const ticks: number[] = [];
  const lines: Array<{ level: LogLevel; msg: string; fields: Record<string, unknown> }> = [];
  const loop: FeedLoop = {
    source: { tick: (now) => (ticks.push(now), [reading(now), reading(now)]) },
    ingest: {
      post: async () => {
        clock += 25;
        const outcome = outcomes.shift()!;
        if (outcomes.length === 0) stop.abort();
        return outcome;
      },
    },
    intervalMs,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    log: (level, msg, fields = {}) => lines.push({ level, msg, fields }),
  };
  return { run: () => runFeed(loop, stop.signal), sleeps, ticks, lines };
}

const ok: PostOutcome = { kind: 'accepted', status: 202, accepted: 2, latencyMs: 25 };
const unavailable: PostOutcome = { kind: 'rejected', status: 503, code: 'KAFKA_UNAVAILABLE', message: 'Kafka is down', retryAfterMs: 5000, latencyMs: 25 };
const refused: PostOutcome = { kind: 'unreachable', error: 'ECONNREFUSED', latencyMs: 1 };

describe('runFeed', () => {
  it('posts a batch every interval, counting the time a post took, and logs one line per tick', async () => {
    const h = harness([ok, ok, ok]);
    const totals = await h.run();
    expect(totals).toEqual({ ticks: 3, sent: 6, accepted: 6, failedPosts: 0 });
    expect(h.sleeps.slice(0, 2)).toEqual([975, 975]);
    expect(h.ticks[1] - h.ticks[0]).toBe(1000);
    expect(h.lines.map((l) => [l.level, l.fields.status, l.fields.accepted])).toEqual([
      ['info', 202, 2],
      ['info', 202, 2],
      ['info', 202, 2],
    ]);
  });

  it('backs off on 503 as Retry-After says and on connection errors exponentially, then keeps going', async () => {
    const h = harness([unavailable, refused, refused, refused, ok, ok]);
    const totals = await h.run();
    expect(h.sleeps.slice(0, 5)).toEqual([5000, 2000, 4000, 8000, 975]);
    expect(totals).toEqual({ ticks: 6, sent: 12, accepted: 4, failedPosts: 4 });
    expect(h.lines[0]).toMatchObject({ level: 'warn', fields: { status: 503, error: 'KAFKA_UNAVAILABLE', retryInMs: 5000 } });
    expect(h.lines[1]).toMatchObject({ level: 'warn', fields: { error: 'UNREACHABLE', detail: 'ECONNREFUSED' } });
  });

  it('logs a rejected batch (400) as an error and keeps going', async () => {
    const invalid: PostOutcome = { kind: 'rejected', status: 400, code: 'INVALID_READING', message: 'bad: [0]/ts is required', latencyMs: 3 };
    const h = harness([invalid, ok]);
    await h.run();
    expect(h.lines[0]).toMatchObject({ level: 'error', fields: { status: 400, error: 'INVALID_READING' } });
    expect(h.lines[1]).toMatchObject({ level: 'info', fields: { status: 202 } });
  });

  it('stops without posting when the signal is already aborted', async () => {
    const stop = new AbortController();
    stop.abort();
    const post = jest.fn();
    const totals = await runFeed(
      { source: { tick: () => [] }, ingest: { post }, intervalMs: 1000, now: () => 0, sleep: async () => undefined, log: () => undefined },
      stop.signal,
    );
    expect(post).not.toHaveBeenCalled();
    expect(totals.ticks).toBe(0);
  });
});
