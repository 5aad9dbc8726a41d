import { JexlEngine } from '../adapters/jexl/jexl-engine';
import { applyReading, emptyHistory, type DeviceHistory } from './device-history';
import { evaluate, scopeOf } from './evaluation';
import { explainIn, firstBlocking, type TraceNode } from './explain';
import { analyzeExpression, type ExpressionAnalysis } from './expression';

const MIN = 1000;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const engine = new JexlEngine();
const device = { id: 'd1', tags: ['hq'], attributes: { floor: 3 } };

function history(readings: Array<[number, Record<string, number | boolean | string>]>): DeviceHistory {
  let h = emptyHistory();
  readings.forEach(([minute, metrics], i) => (h = applyReading(h, { id: `r${i}`, ts: T0 + minute * MIN, metrics }, 60 * MIN).history));
  return h;
}

function analysis(source: string): ExpressionAnalysis {
  const result = analyzeExpression(source);
  if (!result.ok) throw new Error(result.issues[0].message);
  return result.analysis;
}

function explain(source: string, h: DeviceHistory, now = h.lastReadingTs ?? T0) {
  const clock = { now, minuteMs: MIN };
  return explainIn(engine.compile(source), analysis(source), scopeOf(h, device, clock), clock);
}

function find(node: TraceNode, text: string): TraceNode {
  if (node.text === text) return node;
  for (const c of node.children) {
    try {
      return find(c, text);
    } catch {
      // not in this branch
    }
  }
  throw new Error(`no node ${text}`);
}

const FEED = history([[0, { temperature: 20, occupancy: true, door: 'open' }], [1, { temperature: 24, occupancy: true }], [2, { temperature: 31, occupancy: false }]]);

describe('explainIn', () => {
  it('gives the value of every sub-expression and what avg() read', () => {
    const e = explain("avg('temperature', 2) > 25 && occupancy == true", FEED);
    expect(e.outcome).toEqual({ kind: 'value', value: false });
    expect(e.tree).toMatchObject({ operator: '&&', value: false, evaluated: true });
    const avg = find(e.tree as TraceNode, 'avg("temperature", 2)');
    expect(avg.value).toBe(27.5);
    expect(avg.inputs).toEqual({
      window: { from: new Date(T0).toISOString(), to: new Date(T0 + 2 * MIN).toISOString(), metric: 'temperature' },
      readings: [{ id: 'r1', ts: new Date(T0 + MIN).toISOString(), value: 24 }, { id: 'r2', ts: new Date(T0 + 2 * MIN).toISOString(), value: 31 }],
    });
    expect(find(e.tree as TraceNode, 'occupancy').value).toBe(false);
    expect(e.blocking).toEqual({ text: '(occupancy == true)', reason: 'false', value: false });
  });

  it('marks the side a short-circuit skipped as not evaluated', () => {
    const e = explain('temperature > 40 && occupancy', FEED);
    expect(find(e.tree as TraceNode, '(temperature > 40)').value).toBe(false);
    expect(find(e.tree as TraceNode, 'occupancy').evaluated).toBe(false);
    expect(e.blocking).toEqual({ text: '(temperature > 40)', reason: 'false', value: false });
  });

  it('says since when hasNotChanged() has seen the value', () => {
    const h = history([[0, { door: 'open' }], [5, { door: 'open' }]]);
    const e = explain("hasNotChanged('door', 10)", h, T0 + 7 * MIN);
    expect(e.tree).toMatchObject({ value: false, inputs: { metric: 'door', value: 'open', unchangedSince: new Date(T0).toISOString(), minutesUnchanged: 7 } });
    expect(e.blocking?.reason).toBe('false');
  });

  it('reports a metric never seen as missing (INSUFFICIENT_DATA, as live evaluation)', () => {
    const e = explain('humidity > 80 || temperature > 30', FEED);
    expect(e.outcome.kind).toBe('insufficient');
    expect(e.missingMetrics).toEqual(['humidity']);
    expect(find(e.tree as TraceNode, 'humidity').undefined).toBe(true);
    expect(e.blocking).toEqual({ text: 'humidity', reason: 'missing' });
  });

  it('points at the function that had no data', () => {
    const e = explain("temperature > 0 && min('pressure', 5) < 3", FEED);
    expect(e.outcome.kind).toBe('insufficient');
    expect(e.blocking).toMatchObject({ text: 'min("pressure", 5)', reason: 'error' });
    expect(find(e.tree as TraceNode, 'min("pressure", 5)').inputs).toMatchObject({ readings: [] });
  });

  it.each([
    "avg('temperature', 2) > 25 && occupancy == true",
    'temperature * 2 - 10 >= 52 ? device.attributes.floor == 3 : false',
    "'hq' in device.tags && (temperature > 30 || !occupancy)",
    "max('temperature', 3) - min('temperature', 3) > 10",
    'temperature in [31, 32] && {a: occupancy}.a == false',
  ])('agrees with live evaluation on %s', (source) => {
    const clock = { now: T0 + 2 * MIN, minuteMs: MIN };
    const e = explain(source, FEED);
    expect(e.outcome).toEqual(evaluate(engine.compile(source), analysis(source), FEED, device, clock));
    expect(Boolean(e.tree?.value)).toBe(e.outcome.kind === 'value' && e.outcome.value);
    if (e.outcome.kind === 'value' && !e.outcome.value) expect(firstBlocking(e.tree as TraceNode)).toBeDefined();
    if (e.outcome.kind === 'value' && e.outcome.value) expect(e.blocking).toBeUndefined();
  });
});
