import type { Rule, TelemetryReading } from '@geopulse/contracts';
import { JexlEngine } from '../adapters/jexl/jexl-engine';
import { EvaluateDevice } from '../application/evaluate-device';
import { RuleBook } from '../application/rule-book';
import { MemoryStore, Sink } from '../test-support/fakes';
import { BacktestBound, replayDevice, type ReplaySettings } from './backtest';
import type { HistoryReading } from './device-history';
import { DEFAULT_EXPRESSION_LIMITS } from './expression';
import { compileRule } from './rule';

const MIN = 1000;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const engine = new JexlEngine();
const SETTINGS: ReplaySettings = { minuteMs: MIN, timerTickMs: 250, timerHorizonMs: 1000 * MIN, maxEvaluations: 100_000 };
const device = { id: 'd1', tags: [], attributes: {} };

function rule(expression: string, extra: Partial<Rule> = {}): Rule {
  return { id: 'r', tenantId: 't1', name: 'r', expression, status: 'ACTIVE', severity: 'WARNING', target: {}, for: 'PT0S', version: 1, createdAt: '', updatedAt: '', ...extra };
}

/** A deterministic feed: temperature wanders (a sine and a step), humidity appears from the third reading on, silence from minute 20 to 24. */
function feed(n: number): HistoryReading[] {
  return Array.from({ length: n }, (_, i) => i).filter((i) => i < 20 || i > 24).map((i) => ({
    id: `r${i}`,
    ts: T0 + i * MIN,
    metrics: { temperature: 25 + 10 * Math.sin(i / 3) + (i > 30 ? 4 : 0), ...(i >= 2 ? { humidity: i % 11 === 0 ? 90 : 50 } : {}) },
  }));
}

const TICK = 250;

/**
 * The live evaluator over the same readings, one at a time, with the clock at their event time,
 * and its timer fired every TICK after a reading as the timer queue does (up to `to`): alerts as `status@minute`.
 */
async function live(r: Rule, readings: readonly HistoryReading[], to: number): Promise<string[]> {
  let now = T0;
  const book = new RuleBook(engine, DEFAULT_EXPRESSION_LIMITS, () => now);
  book.apply(r);
  const sink = new Sink();
  const evaluator = new EvaluateDevice(book, new MemoryStore(), { get: async (_t, id) => ({ id, tags: [], attributes: {} }) }, sink, { minuteMs: MIN, timerTickMs: TICK, timerHorizonMs: 1000 * MIN }, () => now);
  for (const [i, reading] of readings.entries()) {
    now = reading.ts;
    const event: TelemetryReading = { tenantId: 't1', deviceId: 'd1', id: reading.id, ts: new Date(reading.ts).toISOString(), receivedAt: '', metrics: reading.metrics ?? {} };
    await evaluator.process('t1', 'd1', 0, [{ kind: 'reading', reading: event }]);
    const next = readings[i + 1]?.ts ?? to + 1;
    for (let tick = reading.ts + TICK; tick < next; tick += TICK) {
      now = tick;
      await evaluator.timer('t1', 'd1', 0);
    }
  }
  return sink.published.map((a) => `${a.data.status}@${(Date.parse(a.data.at) - T0) / MIN}`);
}

function replayed(r: Rule, readings: readonly HistoryReading[], from = T0, to = T0 + 10_000 * MIN): string[] {
  const out = replayDevice({ compiled: compileRule(engine, r), device, readings, from, to }, SETTINGS);
  const events = [
    ...out.episodes.flatMap((e) => [{ at: e.start, s: 'START' }, ...(e.stop ? [{ at: e.stop, s: 'STOP' }] : [])]),
    ...out.insufficientData.map((x) => ({ at: x.at, s: 'INSUFFICIENT_DATA' })),
  ];
  return events.sort((a, b) => a.at.localeCompare(b.at) || (a.s === 'START' ? 1 : -1)).map((e) => `${e.s}@${(Date.parse(e.at) - T0) / MIN}`);
}

describe('replayDevice', () => {
  it.each([
    ['temperature > 30 && humidity < 80', 'PT0S'],
    ["avg('temperature', 3) > 28 && humidity < 80", 'PT2S'],
    ["delta('temperature', 4) > 3 || max('temperature', 2) > 36", 'PT0S'],
    ["avg('temperature', 2) > 26", 'PT1S'],
  ])('produces exactly what live evaluation publishes for %s (for %s)', async (expression, forIso) => {
    const r = rule(expression, { for: forIso });
    const readings = feed(60);
    const to = T0 + 70 * MIN;
    const expected = await live(r, readings, to);
    expect(expected.filter((e) => e.startsWith('START')).length).toBeGreaterThan(1);
    if (expression.startsWith('avg(\'temperature\', 2)')) expect(expected).toContain('INSUFFICIENT_DATA@21');
    expect(replayed(r, readings, T0, to)).toEqual(expected);
  });

  it('simulates timers at event time: minutesSinceLastReading fires between readings', () => {
    const readings: HistoryReading[] = [{ id: 'a', ts: T0, metrics: { x: 1 } }, { id: 'b', ts: T0 + 10 * MIN, metrics: { x: 1 } }];
    expect(replayed(rule('minutesSinceLastReading() > 3'), readings, T0, T0 + 12 * MIN)).toEqual(['START@3.25', 'STOP@10']);
  });

  it('ends a `for` wait at the first timer tick past it, not at the next reading', () => {
    const readings: HistoryReading[] = [{ id: 'a', ts: T0, metrics: { x: 5 } }, { id: 'b', ts: T0 + 10 * MIN, metrics: { x: 5 } }];
    expect(replayed(rule('x > 1', { for: 'PT3S' }), readings, T0, T0 + 12 * MIN)).toEqual(['START@3']);
  });

  it('uses readings before `from` only to fill the windows', () => {
    const readings = feed(20);
    expect(readings).toHaveLength(20);
    const out = replayDevice({ compiled: compileRule(engine, rule("count('temperature', 5) >= 5")), device, readings, from: T0 + 10 * MIN, to: T0 + 20 * MIN }, SETTINGS);
    expect(out.readings).toBe(10);
    // With the 5 minutes before `from` in the window, the very first evaluated reading fires.
    expect(out.episodes[0].start).toBe(new Date(T0 + 10 * MIN).toISOString());
    expect(out.episodes[0].triggeringReadings.map((t) => t.id)).toEqual(['r10', 'r9', 'r8', 'r7', 'r6']);
  });

  it('stops at the evaluation bound with the bound named', () => {
    expect(() => replayDevice({ compiled: compileRule(engine, rule('x > 1')), device, readings: feed(30), from: T0, to: T0 + 100 * MIN }, { ...SETTINGS, maxEvaluations: 10 })).toThrow(BacktestBound);
  });
});
