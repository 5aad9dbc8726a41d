import type { Rule } from '@geopulse/contracts';
import { JexlEngine } from '../adapters/jexl/jexl-engine';
import { DEFAULT_EXPRESSION_LIMITS } from '../domain/expression';
import { RuleBook, type RuleBookChange } from './rule-book';

const rule = (over: Partial<Rule> = {}): Rule => ({
  id: 'cold', tenantId: 't1', name: 'cold', expression: 'temperature < 50', status: 'ACTIVE', severity: 'WARNING', for: 'PT0S', target: {},
  version: 1, createdAt: '2026-11-30T00:00:00Z', updatedAt: '2026-11-30T00:00:00Z', ...over,
});

function setup() {
  let now = 1_000;
  const failures: string[] = [];
  const book = new RuleBook(new JexlEngine(), DEFAULT_EXPRESSION_LIMITS, () => now, (r, err) => failures.push(`${r.id}@${r.version}: ${err.message}`));
  const changes: string[] = [];
  book.onChange((c: RuleBookChange) => changes.push(c.kind === 'upsert' ? `upsert ${c.after.id}@${c.after.version}` : `remove ${c.before.id}`));
  return { book, changes, failures, advance: (ms: number) => (now += ms) };
}

describe('RuleBook', () => {
  it('keeps the newest version of each rule, per tenant, whatever the order versions arrive in', () => {
    const { book, changes } = setup();
    expect(book.apply(rule({ version: 2, expression: 'temperature < 40' }))).toBe(true);
    expect(book.apply(rule({ version: 1 }))).toBe(false);
    expect(book.apply(rule({ version: 2 }))).toBe(false);
    expect(book.apply(rule({ tenantId: 't2', version: 1 }))).toBe(true);
    expect(book.get('t1', 'cold')?.rule.expression).toBe('temperature < 40');
    expect(book.size()).toBe(2);
    expect(changes).toEqual(['upsert cold@2', 'upsert cold@1']);
  });

  it('never resurrects a deleted rule from an older replay; a tombstone removes any version', () => {
    const { book, changes } = setup();
    book.apply(rule({ version: 1 }));
    expect(book.apply({ ...rule({ version: 2 }), deleted: true })).toBe(true);
    expect(book.apply(rule({ version: 1 }))).toBe(false);
    expect(book.get('t1', 'cold')).toBeUndefined();
    book.apply(rule({ id: 'hot', version: 5 }));
    expect(book.remove('t1', 'hot')).toBe(true);
    expect(book.remove('t1', 'hot')).toBe(false);
    expect(changes).toEqual(['upsert cold@1', 'remove cold', 'upsert hot@5', 'remove hot']);
    expect(book.size()).toBe(0);
  });

  it('reports a stored version that does not compile and keeps the previous one', () => {
    const { book, failures } = setup();
    book.apply(rule({ version: 1 }));
    expect(book.apply(rule({ version: 2, expression: 'temperature <' }))).toBe(false);
    expect(failures).toEqual([expect.stringMatching(/^cold@2: rule cold v2: /)]);
    expect(book.get('t1', 'cold')?.rule.version).toBe(1);
  });

  it('answers active rules, their history window and timers per tenant, and what a table listing lacks', () => {
    const { book, advance } = setup();
    book.apply(rule({ id: 'avg', expression: "avg('temperature', 20) > 30" }));
    book.apply(rule({ id: 'off', status: 'INACTIVE', expression: "avg('temperature', 90) > 30" }));
    book.apply(rule({ tenantId: 't2', id: 'plain' }));
    expect(book.active('t1').map((c) => c.rule.id)).toEqual(['avg']);
    expect(book.windowMinutes('t1')).toBe(20);
    expect([book.needsTimers('t1'), book.needsTimers('t2')]).toEqual([true, false]);
    const listedAt = advance(10);
    book.apply(rule({ id: 'fresh' }));
    // Applied before the listing started and missing from it: a lost tombstone. Applied after: not yet listed.
    expect(book.absentFrom(new Set(['t1:avg']), listedAt).map((r) => `${r.tenantId}:${r.id}`).sort()).toEqual(['t1:off', 't2:plain']);
  });
});
