import { parseHistoryQuery } from './history-query';

const NOW = Date.parse('2026-11-22T12:00:00.000Z');

describe('parseHistoryQuery', () => {
  it('defaults to everything up to now, 100 items', () => {
    expect(parseHistoryQuery({}, NOW)).toEqual({ ok: true, query: { from: 0, to: NOW, limit: 100 } });
  });

  it('takes ISO-8601 or epoch milliseconds and a cursor', () => {
    expect(parseHistoryQuery({ from: '2026-11-22T10:00:00Z', to: String(NOW), limit: '5', cursor: 'abc_-1' }, NOW)).toEqual({
      ok: true,
      query: { from: Date.parse('2026-11-22T10:00:00Z'), to: NOW, limit: 5, cursor: 'abc_-1' },
    });
  });

  it('lists every problem', () => {
    const result = parseHistoryQuery({ from: 'yesterday', limit: '0', cursor: 'not a cursor!' }, NOW);
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.issues.map((i) => i.path)).toEqual(['from', 'limit', 'cursor']);
    const reversed = parseHistoryQuery({ from: String(NOW), to: '0' }, NOW);
    if (!reversed.ok) expect(reversed.issues.map((i) => i.path)).toEqual(['from']);
    expect(reversed.ok).toBe(false);
  });
});
