import type { Rule } from '@geopulse/contracts';
import { JexlEngine } from '../adapters/jexl/jexl-engine';
import { checkRuleInput, compileRule, historyWindowMinutes, needsTimer } from './rule';

const engine = new JexlEngine();
const rule = (over: Partial<Rule> = {}): Rule => ({
  id: 'cold', tenantId: 't1', name: 'cold', expression: 'temperature < 50', status: 'ACTIVE', severity: 'WARNING', for: 'PT0S', target: {},
  version: 1, createdAt: '2026-11-30T00:00:00Z', updatedAt: '2026-11-30T00:00:00Z', ...over,
});

describe('checkRuleInput', () => {
  it('accepts a minimal rule with defaults and hands back the compiled expression', () => {
    const check = checkRuleInput({ name: 'cold', expression: "avg('temperature', 10) < 50" }, engine);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.input).toMatchObject({ status: 'ACTIVE', severity: 'WARNING', for: 'PT0S' });
    expect(check.compiled.analysis).toMatchObject({ timeDependent: true, windowMinutes: 10 });
  });

  it('reports every problem at once, each with its path', () => {
    const check = checkRuleInput(
      { id: '../x', name: '', expression: 'temperature <', status: 'ON', severity: 'LOUD', for: '5m', target: { deviceIds: ['ok', 7], site: 'x' }, colour: 'red' },
      engine,
    );
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.issues.map((i) => i.path).sort()).toEqual(['/colour', '/expression', '/for', '/id', '/name', '/severity', '/status', '/target/deviceIds/1', '/target/site']);
    expect(check.issues.find((i) => i.path === '/expression')).toMatchObject({ code: 'SYNTAX', position: expect.any(Number) });
  });

  it('refuses what is not an object', () => {
    expect(checkRuleInput([], engine)).toEqual({ ok: false, issues: [{ path: '', message: 'a rule must be an object' }] });
  });
});

describe('compileRule', () => {
  it('compiles a stored rule, reuses an expression compiled at write time, and throws when the stored text no longer compiles', () => {
    const compiled = compileRule(engine, rule({ for: 'PT2M' }));
    expect(compiled.forMs).toBe(120_000);
    expect(compileRule(engine, rule(), undefined, { expression: compiled.expression, analysis: compiled.analysis }).expression).toBe(compiled.expression);
    expect(() => compileRule(engine, rule({ expression: 'a &&', version: 3 }))).toThrow(/^rule cold v3: /);
  });
});

describe('historyWindowMinutes and needsTimer', () => {
  it('take only ACTIVE rules into account', () => {
    const windowed = compileRule(engine, rule({ expression: "avg('temperature', 15) > 1" }));
    const inactive = compileRule(engine, rule({ id: 'off', status: 'INACTIVE', expression: "avg('temperature', 60) > 1" }));
    const plain = compileRule(engine, rule({ id: 'plain' }));
    const waiting = compileRule(engine, rule({ id: 'wait', for: 'PT1M' }));
    expect(historyWindowMinutes([windowed, inactive, plain])).toBe(15);
    expect([windowed, inactive, plain, waiting].map(needsTimer)).toEqual([true, false, false, true]);
  });
});
