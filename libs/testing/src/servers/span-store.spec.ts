import type { CollectedSpan } from './otlp-json';
import { SpanStore } from './span-store';

function span(traceId: string, spanId: string, start: string, extra: Partial<CollectedSpan> = {}): CollectedSpan {
  return {
    traceId,
    spanId,
    parentSpanId: null,
    name: 'op',
    kind: 'INTERNAL',
    serviceName: 'ingest',
    scope: 'test',
    startTimeUnixNano: start,
    endTimeUnixNano: start,
    durationMs: 0,
    attributes: {},
    status: { code: 'UNSET' },
    events: [],
    ...extra,
  };
}

describe('SpanStore', () => {
  it('returns a trace ordered by start time, whatever the arrival order', () => {
    const store = new SpanStore();
    store.add([span('t1', 'b', '1000000000000000002'), span('t2', 'x', '5'), span('t1', 'a', '999999999999999999')]);
    expect(store.trace('T1').map((s) => s.spanId)).toEqual(['a', 'b']);
    expect(store.trace('unknown')).toEqual([]);
  });

  it('filters by service and name', () => {
    const store = new SpanStore();
    store.add([
      span('t1', 'a', '1', { serviceName: 'rules', name: 'evaluate' }),
      span('t1', 'b', '2', { serviceName: 'rules', name: 'publish' }),
      span('t2', 'c', '3', { serviceName: 'geo', name: 'evaluate' }),
    ]);
    expect(store.query({ service: 'rules' }).map((s) => s.spanId)).toEqual(['a', 'b']);
    expect(store.query({ name: 'evaluate' }).map((s) => s.spanId)).toEqual(['a', 'c']);
    expect(store.query({ service: 'geo', name: 'publish' })).toEqual([]);
    expect(store.query({ limit: 1 }).map((s) => s.spanId)).toEqual(['c']);
  });

  it('drops the oldest spans beyond its capacity', () => {
    const store = new SpanStore(3);
    store.add([span('t1', 'a', '1'), span('t1', 'b', '2'), span('t2', 'c', '3')]);
    store.add([span('t3', 'd', '4'), span('t3', 'e', '5')]);
    expect(store.size).toBe(3);
    expect(store.trace('t1')).toEqual([]);
    expect(store.query({}).map((s) => s.spanId)).toEqual(['c', 'd', 'e']);
  });

  it('stays bounded and consistent over many evictions', () => {
    const store = new SpanStore(1000);
    for (let i = 0; i < 30_000; i += 1) store.add([span(`t${i % 7}`, `s${i}`, String(i))]);
    expect(store.size).toBe(1000);
    const all = store.query({});
    expect(all[0].spanId).toBe('s29000');
    expect(all).toHaveLength(1000);
    expect([0, 1, 2, 3, 4, 5, 6].reduce((sum, t) => sum + store.trace(`t${t}`).length, 0)).toBe(1000);
  });

  it('clears everything', () => {
    const store = new SpanStore();
    store.add([span('t1', 'a', '1')]);
    store.clear();
    expect(store.size).toBe(0);
    expect(store.trace('t1')).toEqual([]);
  });
});
