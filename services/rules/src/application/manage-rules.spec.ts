import type { Rule } from '@geopulse/contracts';
import { JexlEngine } from '../adapters/jexl/jexl-engine';
import type { CompiledExpression, ExpressionEngine } from '../domain/evaluation';
import { DEFAULT_EXPRESSION_LIMITS } from '../domain/expression';
import { RuleError } from '../domain/rule-error';
import { ManageRules } from './manage-rules';
import { RuleVersionConflict, type RuleChangePublisher, type RuleRepository, type StoredRule } from './ports';
import { RuleBook } from './rule-book';

/** The real engine, counting what it compiles. */
class CountingEngine implements ExpressionEngine {
  readonly compiled: string[] = [];
  private readonly engine = new JexlEngine();

  compile(source: string): CompiledExpression {
    this.compiled.push(source);
    return this.engine.compile(source);
  }
}

function setup(maxPerTenant?: number) {
  const rows = new Map<string, StoredRule>();
  const repository: RuleRepository = {
    get: async (tenantId, id) => rows.get(`${tenantId}:${id}`),
    list: async (tenantId) => [...rows.values()].filter((r) => r.tenantId === tenantId && !r.deleted),
    scanAll: async () => [...rows.values()],
    put: async (rule, expected) => {
      if (rows.get(`${rule.tenantId}:${rule.id}`)?.version !== expected) throw new RuleVersionConflict(rule.id);
      rows.set(`${rule.tenantId}:${rule.id}`, rule);
    },
    recordErrors: async () => undefined,
  };
  const published: string[] = [];
  const publisher: RuleChangePublisher = {
    publish: async (rule: Rule) => void published.push(`${rule.id}@${rule.version}`),
    publishDeleted: async (_tenantId: string, id: string) => void published.push(`${id}:tombstone`),
  };
  const engine = new CountingEngine();
  const now = () => Date.parse('2026-11-30T04:00:00.000Z');
  const book = new RuleBook(engine, DEFAULT_EXPRESSION_LIMITS, now);
  let ids = 0;
  const rules = new ManageRules(repository, publisher, book, engine, DEFAULT_EXPRESSION_LIMITS, 60_000, now, () => `rule-${(ids += 1)}`, maxPerTenant);
  return { rules, book, engine, published };
}

describe('ManageRules', () => {
  it('compiles an expression once per created or replaced version, and the book evaluates that compilation', async () => {
    const { rules, book, engine, published } = setup();
    const created = await rules.create('t1', { name: 'hot', expression: 'temperature > 40' }, 'alice');
    expect(engine.compiled).toEqual(['temperature > 40']);
    expect(book.get('t1', created.id)?.rule.version).toBe(1);
    expect(book.get('t1', created.id)?.expression.evaluate({ temperature: 41, device: { id: 'd', tags: [], attributes: {} } }, {} as never)).toBe(true);

    await rules.replace('t1', created.id, { name: 'hot', expression: 'temperature > 50' }, 'alice');
    expect(engine.compiled).toEqual(['temperature > 40', 'temperature > 50']);
    expect(book.get('t1', created.id)?.expression.evaluate({ temperature: 41, device: { id: 'd', tags: [], attributes: {} } }, {} as never)).toBe(false);
    expect(published).toEqual([`${created.id}@1`, `${created.id}@2`]);
  });

  it('rejects an invalid expression with its position and stores nothing', async () => {
    const { rules, book, published } = setup();
    const attempt = rules.create('t1', { id: 'bad', name: 'x', expression: 'temperature < < 50' }, 'alice');
    await expect(attempt).rejects.toBeInstanceOf(RuleError);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_RULE', issues: [{ path: '/expression', code: 'SYNTAX', position: 14 }] });
    expect(book.get('t1', 'bad')).toBeUndefined();
    expect(published).toEqual([]);
  });

  it('refuses a rule past the tenant limit, naming the setting; other tenants and replacements are unaffected', async () => {
    const { rules, published } = setup(2);
    const first = await rules.create('t1', { name: 'a', expression: 'x > 1' }, 'alice');
    await rules.create('t1', { name: 'b', expression: 'x > 2' }, 'alice');
    await expect(rules.create('t1', { name: 'c', expression: 'x > 3' }, 'alice')).rejects.toMatchObject({
      code: 'TENANT_LIMIT_REACHED',
      message: expect.stringContaining('limit of 2 rules (RULES_MAX_PER_TENANT)'),
    });
    await expect(rules.create('t2', { name: 'c', expression: 'x > 3' }, 'bob')).resolves.toMatchObject({ tenantId: 't2' });
    await expect(rules.replace('t1', first.id, { name: 'a', expression: 'x > 9' }, 'alice')).resolves.toMatchObject({ version: 2 });
    await rules.remove('t1', first.id, 'alice');
    await expect(rules.create('t1', { name: 'c', expression: 'x > 3' }, 'alice')).resolves.toMatchObject({ name: 'c' });
    expect(published.filter((p) => p.endsWith('@1'))).toHaveLength(4);
  });
});
