import type { Rule, TelemetryReading } from '@geopulse/contracts';
import { JexlEngine } from '../adapters/jexl/jexl-engine';
import { DEFAULT_EXPRESSION_LIMITS } from '../domain/expression';
import { EvaluateDevice, traceIdOf } from './evaluate-device';
import { RuleBook } from './rule-book';
import { MemoryStore, Sink } from '../test-support/fakes';

const MIN = 1000;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function rule(id: string, expression: string, extra: Partial<Rule> = {}): Rule {
  return { id, tenantId: 't1', name: id, expression, status: 'ACTIVE', severity: 'WARNING', target: {}, for: 'PT0S', version: 1, createdAt: '', updatedAt: '', ...extra };
}

function setup(rules: Rule[]) {
  let now = T0;
  const clock = () => now;
  const book = new RuleBook(new JexlEngine(), DEFAULT_EXPRESSION_LIMITS, clock);
  rules.forEach((r) => book.apply(r));
  const store = new MemoryStore();
  const sink = new Sink();
  const errors: string[] = [];
  const evaluator = new EvaluateDevice(
    book, store, { get: async (_t, id) => ({ id, tags: [], attributes: {} }) }, sink,
    { minuteMs: MIN, timerTickMs: 100, timerHorizonMs: 1000 * MIN }, clock, (r, d, m) => errors.push(`${r.id}/${d}: ${m}`),
  );
  let n = 0;
  const send = async (deviceId: string, at: number, metrics: TelemetryReading['metrics'], id = `r${(n += 1)}`) => {
    now = at;
    const reading: TelemetryReading = { tenantId: 't1', deviceId, id, ts: new Date(at).toISOString(), receivedAt: '', metrics };
    return evaluator.process('t1', deviceId, 0, [{ kind: 'reading', reading, traceparent: TRACEPARENT }]);
  };
  return { book, store, sink, evaluator, send, errors, setNow: (t: number) => (now = t) };
}

describe('EvaluateDevice', () => {
  it('gives the expected START/STOP sequence on a thermostat feed', async () => {
    const { sink, send } = setup([rule('cold', 'temperature < 50'), rule('cold-occupied', 'temperature < 50 && occupancy == true')]);
    const feed: [number, boolean][] = [[55, false], [48, false], [47, true], [46, true], [52, true], [45, true], [45, false], [60, false]];
    for (const [i, [temperature, occupancy]] of feed.entries()) await send('th-1', T0 + i * MIN, { temperature, occupancy });
    expect(sink.published.map((a) => `${a.data.ruleId}:${a.data.status}@${(Date.parse(a.data.at) - T0) / MIN}`)).toEqual([
      'cold:START@1', 'cold-occupied:START@2', 'cold:STOP@4', 'cold-occupied:STOP@4', 'cold:START@5', 'cold-occupied:START@5', 'cold-occupied:STOP@6', 'cold:STOP@7',
    ]);
    expect(sink.published[0].data.traceId).toBe(traceIdOf(TRACEPARENT));
    expect(sink.published[0].data.triggeringReadings[0]).toEqual(expect.objectContaining({ metrics: { temperature: 48, occupancy: false } }));
  });

  it('replays a batch after a crash before the state write without a second, different START', async () => {
    const { sink, store, send } = setup([rule('cold', 'temperature < 50')]);
    await send('th-1', T0, { temperature: 55 });
    store.failNextSave = true;
    await expect(send('th-1', T0 + MIN, { temperature: 40 }, 'cold-reading')).rejects.toThrow('crash');
    const replay = sink.published[0].data;
    // Kafka redelivers the same reading (same id) since its offset was not committed.
    await send('th-1', T0 + MIN, { temperature: 40 }, 'cold-reading');
    expect(sink.published).toHaveLength(2);
    expect(sink.distinct()).toEqual([`cold:START:${replay.alertId}`]);
  });

  it('hasNotChanged fires for a device repeating a value and, by timer, for a silent one', async () => {
    const { sink, send, evaluator, setNow } = setup([rule('stuck', "hasNotChanged('temperature', 5)")]);
    for (let i = 0; i <= 6; i += 1) await send('repeat', T0 + i * MIN, { temperature: 20 });
    expect(sink.published.map((a) => `${a.data.deviceId}:${a.data.status}@${(Date.parse(a.data.at) - T0) / MIN}`)).toEqual(['repeat:START@5']);
    await send('silent', T0 + 7 * MIN, { temperature: 21 });
    setNow(T0 + 11 * MIN);
    await evaluator.timer('t1', 'silent', 0);
    expect(sink.published).toHaveLength(1);
    setNow(T0 + 12 * MIN);
    await evaluator.timer('t1', 'silent', 0);
    expect(sink.published.map((a) => `${a.data.deviceId}:${a.data.status}`)).toEqual(['repeat:START', 'silent:START']);
    expect(sink.published[1].data.traceId).toBe(traceIdOf(TRACEPARENT));
  });

  it('avg over the window matches the ground truth', async () => {
    const { sink, send } = setup([rule('hot', "avg('temperature', 10) > 30")]);
    const values = [20, 25, 31, 33, 40, 45, 38, 20, 10, 5, 5, 5, 5, 5, 5, 5, 5];
    const expected: string[] = [];
    let firing = false;
    for (const [i, v] of values.entries()) {
      const window = values.slice(0, i + 1).filter((_, j) => (i - j) * MIN < 10 * MIN);
      const truth = window.reduce((a, b) => a + b, 0) / window.length > 30;
      if (truth !== firing) expected.push(`${truth ? 'START' : 'STOP'}@${i}`);
      firing = truth;
      await send('th-2', T0 + i * MIN, { temperature: v });
    }
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(sink.published.map((a) => `${a.data.status}@${(Date.parse(a.data.at) - T0) / MIN}`)).toEqual(expected);
  });

  it('waits `for` before START, by reading or timer', async () => {
    const { sink, send, evaluator, setNow } = setup([rule('cold', 'temperature < 50', { for: 'PT3S' })]);
    await send('th-1', T0, { temperature: 40 });
    await send('th-1', T0 + 2000, { temperature: 41 });
    expect(sink.published).toHaveLength(0);
    setNow(T0 + 3000);
    await evaluator.timer('t1', 'th-1', 0);
    expect(sink.published.map((a) => a.data.status)).toEqual(['START']);
  });

  it('a rule whose evaluation throws does not block the others and is reported', async () => {
    const { sink, send, errors } = setup([rule('broken', 'device.nothing[0] > 1'), rule('cold', 'temperature < 50')]);
    await send('th-1', T0, { temperature: 40 });
    expect(sink.published.map((a) => a.data.ruleId)).toEqual(['cold']);
    expect(errors).toEqual([expect.stringContaining('broken/th-1')]);
  });

  it('closes open episodes of a disabled rule with the reason, once', async () => {
    const { sink, send, evaluator, book } = setup([rule('cold', 'temperature < 50')]);
    await send('a', T0, { temperature: 40 });
    await send('b', T0, { temperature: 60 });
    book.apply(rule('cold', 'temperature < 50', { status: 'INACTIVE', version: 2 }));
    expect(await evaluator.closeRule(rule('cold', 'x', { version: 2 }), 'rule disabled')).toBe(1);
    expect(await evaluator.closeRule(rule('cold', 'x', { version: 2 }), 'rule disabled')).toBe(0);
    expect(sink.published.map((a) => `${a.data.deviceId}:${a.data.status}:${a.data.reason}`)).toEqual(['a:START:condition holds', 'a:STOP:rule disabled']);
    await send('a', T0 + MIN, { temperature: 40 });
    expect(sink.published).toHaveLength(2);
  });

  it('closes open episodes of devices a changed target no longer includes', async () => {
    const { sink, send, evaluator, book } = setup([rule('cold', 'temperature < 50', { target: { deviceIds: ['a', 'b'] } })]);
    await send('a', T0, { temperature: 40 });
    await send('b', T0, { temperature: 40 });
    const narrowed = rule('cold', 'temperature < 50', { target: { deviceIds: ['a'] }, version: 2 });
    book.apply(narrowed);
    expect(await evaluator.closeRule(narrowed, 'device no longer targeted', (d) => d.id === 'a')).toBe(1);
    expect(sink.published.map((x) => `${x.data.deviceId}:${x.data.status}`)).toEqual(['a:START', 'b:START', 'b:STOP']);
    await send('b', T0 + MIN, { temperature: 40 });
    expect(sink.published).toHaveLength(3);
  });

  it('applies an expression change to the next reading', async () => {
    const { sink, send, book } = setup([rule('r', 'temperature < 50')]);
    await send('a', T0, { temperature: 45 });
    book.apply(rule('r', 'temperature < 40', { version: 2 }));
    await send('a', T0 + MIN, { temperature: 45 });
    expect(sink.published.map((a) => `${a.data.status}:v${a.data.ruleVersion}`)).toEqual(['START:v1', 'STOP:v2']);
  });
});
