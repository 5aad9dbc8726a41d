import { ReplayBuffer } from '../domain/stream/replay-buffer';
import type { LiveEvent } from '../domain/stream/stream-event';
import { parseStreamFilter, type StreamFilter } from '../domain/stream/stream-filter';
import { StreamHub } from './stream-hub';
import type { StreamSink } from './stream-session';

/** A sink that accepts `capacity` writes before pushing back, like a socket whose client stopped reading. */
class FakeSink implements StreamSink {
  readonly written: string[] = [];
  ended = false;
  destroyed = false;
  private drain: (() => void) | undefined;
  constructor(public capacity = Infinity) {}
  write(chunk: string): boolean {
    this.written.push(chunk);
    return this.written.length < this.capacity;
  }
  onDrain(listener: () => void): void {
    this.drain = listener;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  release(): void {
    this.capacity = Infinity;
    this.drain?.();
  }
  /** The SSE messages as { event, id, data }. */
  messages(): Array<{ event: string; id?: string; data: Record<string, unknown> }> {
    return this.written
      .join('')
      .split('\n\n')
      .filter((block) => block.includes('data: '))
      .map((block) => {
        const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        return { event: field('event')!, id: field('id'), data: JSON.parse(field('data')!) as Record<string, unknown> };
      });
  }
}

const filter = (q: Parameters<typeof parseStreamFilter>[0] = {}): StreamFilter => {
  const r = parseStreamFilter(q);
  if (!r.ok) throw new Error('bad filter');
  return r.filter;
};
const position = (tenantId: string, deviceId: string, n: number): LiveEvent => ({ type: 'position', tenantId, deviceId, position: { lat: 52, lon: 4 }, data: { deviceId, n } });
const alert = (tenantId: string, deviceId: string, n: number): LiveEvent => ({ type: 'alert', tenantId, deviceId, data: { deviceId, n } });
const logger = { warn: jest.fn() } as never;

describe('StreamHub and StreamSession', () => {
  let now: number;
  let closed: string[];
  const settings = { coalesceMs: 1000, maxBufferBytes: 2000, heartbeatMs: 15_000, closeGraceMs: 5000, maxClients: 3 };
  const hub = (over: Partial<typeof settings> = {}, tags: Record<string, string[]> = {}) =>
    new StreamHub(new ReplayBuffer('ep', { maxEvents: 100, maxAgeMs: 60_000 }, () => now), async (_t, d) => tags[d] ?? [], { ...settings, ...over }, () => now, { clients: () => undefined, dropped: (r) => closed.push(r) }, logger);

  beforeEach(() => {
    jest.useFakeTimers();
    now = 0;
    closed = [];
  });
  afterEach(() => jest.useRealTimers());

  it('sends a tenant its own filtered events, positions coalesced per device to the newest per interval', async () => {
    const h = hub();
    const sink = new FakeSink();
    const other = new FakeSink();
    await h.open('t1', filter({ deviceIds: 'd1' }), sink, undefined);
    await h.open('t2', filter(), other, undefined);
    await h.publish([position('t1', 'd1', 1), position('t1', 'd2', 1), position('t1', 'd1', 2), position('t1', 'd1', 3), alert('t1', 'd1', 1)]);
    expect(sink.messages().map((m) => [m.event, m.data.n])).toEqual([['hello', undefined], ['position', 1], ['alert', 1]]);
    now = 1000;
    jest.advanceTimersByTime(1000);
    expect(sink.messages().map((m) => [m.event, m.data.n]).slice(3)).toEqual([['position', 3]]);
    expect(other.messages().map((m) => m.event)).toEqual(['hello']);
  });

  it('gives ids that are safe cursors: a resume after the alert replays the position still held when it was sent', async () => {
    const h = hub();
    const sink = new FakeSink();
    await h.open('t1', filter(), sink, undefined);
    await h.publish([position('t1', 'd1', 1), position('t1', 'd1', 2), alert('t1', 'd1', 1)]);
    const alertMessage = sink.messages().find((m) => m.event === 'alert')!;
    const resumed = new FakeSink();
    await h.open('t1', filter(), resumed, alertMessage.id);
    expect(resumed.messages().map((m) => [m.event, m.data.n])).toEqual([['hello', undefined], ['position', 2], ['alert', 1]]);
  });

  it('resumes with nothing missed, and says reset when the id is unknown', async () => {
    const h = hub();
    const first = new FakeSink();
    await h.open('t1', filter({ types: 'alert' }), first, undefined);
    await h.publish([alert('t1', 'd1', 1)]);
    const last = first.messages().at(-1)!.id;
    await h.publish([alert('t1', 'd1', 2), alert('t2', 'd1', 9), alert('t1', 'd2', 3)]);
    const second = new FakeSink();
    await h.open('t1', filter({ types: 'alert' }), second, last);
    expect(second.messages().map((m) => m.data.n)).toEqual([undefined, 2, 3]);
    const third = new FakeSink();
    await h.open('t1', filter(), third, 'other-7');
    expect(third.messages().map((m) => [m.event, m.data.reason])).toEqual([['hello', undefined], ['reset', 'unknown-stream']]);
  });

  it('drops a client that stops reading once its buffer overflows, while another keeps everything', async () => {
    const h = hub({ coalesceMs: 0 });
    const slow = new FakeSink(2);
    const fast = new FakeSink();
    await h.open('t1', filter(), slow, undefined);
    await h.open('t1', filter(), fast, undefined);
    const events = Array.from({ length: 100 }, (_, i) => alert('t1', 'd1', i));
    await h.publish(events);
    expect(closed).toEqual(['slow-consumer']);
    expect(slow.ended).toBe(true);
    expect(slow.written.at(-1)).toContain('"reason":"slow-consumer"');
    jest.advanceTimersByTime(5000);
    expect(slow.destroyed).toBe(true);
    expect(fast.messages().filter((m) => m.event === 'alert')).toHaveLength(100);
    expect(h.clientCount).toBe(1);
  });

  it('keeps a client that falls behind within its buffer and catches up on drain', async () => {
    const h = hub({ coalesceMs: 0 });
    const sink = new FakeSink(2);
    await h.open('t1', filter(), sink, undefined);
    await h.publish(Array.from({ length: 10 }, (_, i) => alert('t1', 'd1', i)));
    expect(closed).toEqual([]);
    sink.release();
    expect(sink.messages().filter((m) => m.event === 'alert').map((m) => m.data.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('filters on registry tags, sends heartbeats, refuses clients over the limit and closes all on shutdown', async () => {
    const h = hub({}, { d1: ['fleet:vans'] });
    const sink = new FakeSink();
    await h.open('t1', filter({ tags: 'fleet:vans' }), sink, undefined);
    await h.publish([alert('t1', 'd1', 1), alert('t1', 'd2', 2)]);
    expect(sink.messages().filter((m) => m.event === 'alert').map((m) => m.data.n)).toEqual([1]);
    jest.advanceTimersByTime(15_000);
    expect(sink.messages().at(-1)!.event).toBe('heartbeat');
    await h.open('t1', filter(), new FakeSink(), undefined);
    await h.open('t1', filter(), new FakeSink(), undefined);
    expect(h.hasCapacity()).toBe(false);
    h.closeAll();
    expect(closed).toEqual(['shutdown', 'shutdown', 'shutdown']);
    expect(h.clientCount).toBe(0);
  });
});
