import type { Rule } from '@geopulse/contracts';
import { applyReading, emptyHistory } from '../../domain/device-history';
import { evaluate, ExpressionSyntaxError } from '../../domain/evaluation';
import { checkRuleInput, compileExpression, compileRule, historyWindowMinutes, needsTimer } from '../../domain/rule';
import { JexlEngine } from './jexl-engine';

const engine = new JexlEngine();
const MIN = 60_000;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const device = { id: 'thermostat-1', tags: ['floor:3'], attributes: { model: 'x' } };

function rule(expression: string, extra: Partial<Rule> = {}): Rule {
  return {
    id: 'r1', tenantId: 't1', name: 'r', expression, status: 'ACTIVE', severity: 'WARNING', target: {}, for: 'PT0S',
    version: 1, createdAt: '', updatedAt: '', ...extra,
  };
}

describe('JexlEngine', () => {
  it('locates syntax errors', () => {
    const at = (source: string): number | undefined => {
      try {
        engine.compile(source);
        return undefined;
      } catch (err) {
        return err instanceof ExpressionSyntaxError ? err.position : -1;
      }
    };
    expect(at('temperature < 50')).toBeUndefined();
    expect(at('temperature < < 50')).toBe(14);
    expect(at('temperature <')).toBe(13);
    expect(at('a && b c')).toBe(7);
    expect(at('x > -5 && y')).toBeUndefined();
  });

  it('rejects invalid expressions at validation with a position', () => {
    expect(compileExpression(engine, 'temperature < < 50')).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'SYNTAX', position: 14 })] });
    const check = checkRuleInput({ name: 'x', expression: 'foo(1) > 2', for: '5 minutes', severity: 'LOUD' }, engine);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/expression', code: 'UNKNOWN_FUNCTION', position: 0 }),
        expect.objectContaining({ path: '/for' }),
        expect.objectContaining({ path: '/severity' }),
      ]),
    );
  });

  it('evaluates metrics, device, position and stateful functions against the history', () => {
    let history = emptyHistory();
    for (let i = 0; i < 5; i += 1) {
      history = applyReading(history, { id: `r${i}`, ts: T0 + i * MIN, metrics: { temperature: 40 + i, occupancy: true }, position: { lat: 52, lon: 4 } }, 60 * MIN).history;
    }
    const run = (expression: string, now = T0 + 4 * MIN) => {
      const compiled = compileRule(engine, rule(expression));
      return evaluate(compiled.expression, compiled.analysis, history, device, { now, minuteMs: MIN });
    };
    expect(run('temperature < 50 && occupancy == true')).toEqual({ kind: 'value', value: true });
    expect(run("avg('temperature', 10) == 42")).toEqual({ kind: 'value', value: true });
    expect(run("'floor:3' in device.tags && position.lat > 51")).toEqual({ kind: 'value', value: true });
    expect(run('minutesSinceLastReading() > 5', T0 + 10 * MIN)).toEqual({ kind: 'value', value: true });
    expect(run('humidity > 5')).toEqual({ kind: 'insufficient', reason: 'no value yet for humidity' });
    expect(run("avg('humidity', 5) > 5")).toEqual(expect.objectContaining({ kind: 'insufficient' }));
    expect(run('device.nothing[0] > 1').kind).toBe('error');
  });

  it('works out the history window and which rules need timers', () => {
    const a = compileRule(engine, rule("avg('t', 10) > 1"));
    const b = compileRule(engine, rule('t > 1'));
    const c = compileRule(engine, rule('t > 1', { for: 'PT1M' }));
    const d = compileRule(engine, rule("hasNotChanged('t', 30)", { status: 'INACTIVE' }));
    expect(historyWindowMinutes([a, b, c, d])).toBe(10);
    expect([a, b, c, d].map(needsTimer)).toEqual([true, false, true, false]);
  });
});
