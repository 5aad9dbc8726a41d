import type { Rule } from '@geopulse/contracts';
import { JexlEngine } from '../adapters/jexl/jexl-engine';
import { DEFAULT_EXPRESSION_LIMITS } from '../domain/expression';
import type { EvaluateDevice } from './evaluate-device';
import type { DeviceStateStore, RuleChangePublisher, RuleRepository, StoredRule } from './ports';
import { RuleBook } from './rule-book';
import { SyncRules } from './sync-rules';

const rule = (id: string, version: number, extra: Partial<StoredRule> = {}): StoredRule => ({
  id, tenantId: 't1', name: id, expression: 'temperature < 50', status: 'ACTIVE', severity: 'WARNING', target: {}, for: 'PT0S',
  version, createdAt: '2026-11-22T10:00:00.000Z', updatedAt: '2026-11-22T10:00:00.000Z', ...extra,
});

function setup(rows: StoredRule[], firing: string[] = []) {
  let now = Date.parse('2026-11-22T11:00:00.000Z');
  const book = new RuleBook(new JexlEngine(), DEFAULT_EXPRESSION_LIMITS, () => now);
  const published: string[] = [];
  const closed: string[] = [];
  const repository = { scanAll: async () => rows } as unknown as RuleRepository;
  const publisher: RuleChangePublisher = {
    publish: async (r: Rule) => void published.push(`${r.id}@${r.version}`),
    publishDeleted: async (_t: string, id: string) => void published.push(`${id}:tombstone`),
  };
  const states = { firingDevices: async () => firing, lease: async () => true } as unknown as DeviceStateStore;
  const evaluator = { closeRule: async (r: Rule, reason: string) => (closed.push(`${r.id}:${reason}`), 1) } as unknown as EvaluateDevice;
  const sync = new SyncRules(book, repository, publisher, states, evaluator, () => now, 30_000);
  return { book, sync, published, closed, advance: (ms: number) => (now += ms) };
}

describe('SyncRules', () => {
  it('applies topic records in version order, tombstones whatever the version, in offset order', () => {
    const { book, sync } = setup([]);
    sync.applyTopic([{ rule: rule('a', 2) }, { rule: rule('a', 1) }]);
    expect(book.get('t1', 'a')?.rule.version).toBe(2);
    sync.applyTopic([{ tombstone: 't1:a' }]);
    expect(book.get('t1', 'a')).toBeUndefined();
    sync.applyTopic([{ tombstone: 't1:b' }, { rule: rule('b', 5) }]);
    expect(book.get('t1', 'b')?.rule.version).toBe(5);
  });

  it('repairs a crash between the table write and the publish, in the book and on the topic', async () => {
    const { book, sync, published } = setup([rule('a', 3), rule('gone', 2, { deleted: true })]);
    sync.applyTopic([{ rule: rule('a', 2) }, { rule: rule('gone', 1) }]);
    const outcome = await sync.reconcile();
    expect(book.get('t1', 'a')?.rule.version).toBe(3);
    expect(book.get('t1', 'gone')).toBeUndefined();
    expect(published.sort()).toEqual(['a@3', 'gone:tombstone']);
    expect(outcome.republished).toBe(2);
  });

  it('drops rules missing from the table that were applied before the listing started', async () => {
    const { book, sync, advance } = setup([]);
    sync.applyTopic([{ rule: rule('orphan', 1) }]);
    advance(1);
    await sync.reconcile();
    expect(book.get('t1', 'orphan')).toBeUndefined();
  });

  it('an old topic record cannot resurrect a deleted rule', async () => {
    const { book, sync } = setup([rule('a', 4, { deleted: true })]);
    await sync.reconcile();
    sync.applyTopic([{ rule: rule('a', 3) }]);
    expect(book.get('t1', 'a')).toBeUndefined();
  });

  it('closes open episodes of disabled rules', async () => {
    const { sync, closed } = setup([rule('off', 2, { status: 'INACTIVE' })], ['d1']);
    await sync.reconcile();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toContain('off:rule disabled');
  });
});
