import { formatEventId, parseEventId, ReplayBuffer } from './replay-buffer';
import type { LiveEvent } from './stream-event';

const ev = (tenantId: string, deviceId = 'd'): LiveEvent => ({ type: 'alert', tenantId, deviceId, data: {} });

describe('ReplayBuffer', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => (now = 0));

  it('gives a tenant its events after the cursor, never another tenant\'s', () => {
    const b = new ReplayBuffer('e1', { maxEvents: 10, maxAgeMs: 60_000 }, clock);
    const a1 = b.append(ev('a'));
    b.append(ev('b'));
    const a2 = b.append(ev('a'));
    const r = b.after('a', formatEventId('e1', a1.seq));
    expect(r).toEqual({ ok: true, events: [a2] });
    expect(b.after('a', formatEventId('e1', 0))).toEqual({ ok: true, events: [a1, a2] });
    expect(b.after('c', formatEventId('e1', 0))).toEqual({ ok: true, events: [] });
  });

  it('refuses cursors of another run, from the future, malformed, or outside the window', () => {
    const b = new ReplayBuffer('e1', { maxEvents: 2, maxAgeMs: 1000 }, clock);
    for (let i = 0; i < 4; i++) b.append(ev('a'));
    expect(b.after('a', formatEventId('e0', 1))).toEqual({ ok: false, reason: 'unknown-stream' });
    expect(b.after('a', formatEventId('e1', 99))).toEqual({ ok: false, reason: 'unknown-stream' });
    expect(b.after('a', 'nonsense')).toEqual({ ok: false, reason: 'invalid-id' });
    // Events 1 and 2 were evicted by count: a cursor before 2 would miss one.
    expect(b.after('a', formatEventId('e1', 1))).toEqual({ ok: false, reason: 'outside-window' });
    expect(b.after('a', formatEventId('e1', 2))).toMatchObject({ ok: true, events: [{ seq: 3 }, { seq: 4 }] });
    now = 2000;
    expect(b.after('a', formatEventId('e1', 2))).toEqual({ ok: false, reason: 'outside-window' });
    expect(b.after('a', formatEventId('e1', 4))).toEqual({ ok: true, events: [] });
  });

  it('forgets tenants whose window emptied and stays bounded', () => {
    const b = new ReplayBuffer('e1', { maxEvents: 3, maxAgeMs: 1000 }, clock);
    for (let i = 0; i < 5000; i++) b.append(ev('a'));
    expect((b.after('a', formatEventId('e1', 4997)) as { events: unknown[] }).events).toHaveLength(3);
    now = 5000;
    b.sweep();
    expect(b.after('a', formatEventId('e1', 4997))).toEqual({ ok: true, events: [] });
  });

  it('parses its own ids', () => {
    expect(parseEventId(formatEventId('ab12', 7))).toEqual({ epoch: 'ab12', seq: 7 });
    expect(parseEventId('-7')).toBeUndefined();
    expect(parseEventId('x-1.5')).toBeUndefined();
  });
});
