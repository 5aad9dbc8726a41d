import type { Rule, TelemetryReading } from '@geopulse/contracts';
import { JexlEngine } from '../adapters/jexl/jexl-engine';
import { DEFAULT_EXPRESSION_LIMITS } from '../domain/expression';
import { EvaluateDevice } from './evaluate-device';
import { RuleBook } from './rule-book';
import { MemoryStore, Sink } from '../test-support/fakes';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');

function rule(id: string, expression: string, target: Rule['target']): Rule {
  return { id, tenantId: 't1', name: id, expression, status: 'ACTIVE', severity: 'WARNING', target, for: 'PT0S', version: 1, createdAt: '', updatedAt: '' };
}

function setup(rules: Rule[], registry: Record<string, { tags: string[]; attributes?: Record<string, string> }>) {
  const book = new RuleBook(new JexlEngine(), DEFAULT_EXPRESSION_LIMITS, () => T0);
  rules.forEach((r) => book.apply(r));
  const sink = new Sink();
  const lookups: string[] = [];
  const evaluator = new EvaluateDevice(
    book,
    new MemoryStore(),
    {
      get: async (_t, id) => {
        lookups.push(id);
        return { id, tags: registry[id]?.tags ?? [], attributes: registry[id]?.attributes ?? {} };
      },
    },
    sink,
    { minuteMs: 1000, timerTickMs: 100, timerHorizonMs: 60_000 },
    () => T0,
  );
  let n = 0;
  const send = (deviceId: string, temperature: number, tags?: string[]) => {
    const reading: TelemetryReading = { tenantId: 't1', deviceId, id: `r${(n += 1)}`, ts: new Date(T0 + n).toISOString(), receivedAt: '', metrics: { temperature }, ...(tags ? { tags } : {}) };
    return evaluator.process('t1', deviceId, 0, [{ kind: 'reading', reading }]);
  };
  const fired = () => sink.published.map((a) => `${a.data.ruleId}:${a.data.deviceId}:${a.data.status}`);
  return { send, lookups, fired };
}

describe('rules take tag targets from the tags readings carry (docs/decisions/0107)', () => {
  it('targets by the reading\'s tags without reading the registry', async () => {
    const { send, lookups, fired } = setup([rule('hot-vans', 'temperature > 30', { tags: ['fleet:vans'] })], { 'van-1': { tags: [] } });
    await send('van-1', 35, ['fleet:vans', 'site:ams']);
    await send('cage-1', 35, ['fleet:cages']);
    expect(fired()).toEqual(['hot-vans:van-1:START']);
    expect(lookups).toEqual([]);
  });

  it('falls back to the registry for a reading without tags, and prefers the carried tags when `device` is read', async () => {
    const { send, lookups, fired } = setup(
      [rule('hot-vans', 'temperature > 30', { tags: ['fleet:vans'] }), rule('hot-hq', "temperature > 30 && device.attributes.site == 'hq'", {})],
      { 'van-2': { tags: ['fleet:vans'], attributes: { site: 'hq' } } },
    );
    await send('van-2', 35);
    expect(fired()).toEqual(expect.arrayContaining(['hot-vans:van-2:START', 'hot-hq:van-2:START']));
    expect(lookups).toEqual(['van-2']);
    // The registry says fleet:vans; the carried tags win for targeting, attributes still come from the registry.
    await send('van-2', 36, ['fleet:cages']);
    await send('van-3', 36, ['fleet:cages']);
    expect(fired()).toEqual(['hot-vans:van-2:START', 'hot-hq:van-2:START']);
    await send('van-2', 20, ['fleet:vans']);
    expect(fired().slice(2)).toEqual(expect.arrayContaining(['hot-vans:van-2:STOP', 'hot-hq:van-2:STOP']));
    expect(lookups).toEqual(['van-2', 'van-2', 'van-3', 'van-2']);
  });
});
