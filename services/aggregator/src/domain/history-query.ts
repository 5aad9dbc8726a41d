import { parseEventTime } from '@geopulse/contracts';
import type { QueryIssue } from './nearby-query';

export interface HistoryQuery {
  /** Inclusive event-time range, epoch ms. */
  from: number;
  to: number;
  limit: number;
  cursor?: string;
}

export const MAX_HISTORY_LIMIT = 1000;
const CURSOR = /^[A-Za-z0-9_-]{1,2048}$/;

function time(raw: string | undefined, path: string, fallback: number, issues: QueryIssue[]): number {
  if (raw === undefined || raw === '') return fallback;
  const ms = parseEventTime(/^\d+$/.test(raw) ? Number(raw) : raw);
  if (ms === undefined) issues.push({ path, message: 'must be an ISO-8601 time with zone or epoch milliseconds' });
  return ms ?? NaN;
}

/** Validates `?from=&to=&limit=&cursor=` (from defaults to the epoch, to to now). */
export function parseHistoryQuery(params: Record<string, string | undefined>, now: number): { ok: true; query: HistoryQuery } | { ok: false; issues: QueryIssue[] } {
  const issues: QueryIssue[] = [];
  const from = time(params.from, 'from', 0, issues);
  const to = time(params.to, 'to', now, issues);
  if (Number.isFinite(from) && Number.isFinite(to) && from > to) issues.push({ path: 'from', message: 'must not be after to' });
  const limit = params.limit === undefined || params.limit === '' ? 100 : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) issues.push({ path: 'limit', message: `must be a whole number from 1 to ${MAX_HISTORY_LIMIT}` });
  if (params.cursor !== undefined && !CURSOR.test(params.cursor)) issues.push({ path: 'cursor', message: 'is not a cursor this API returned' });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, query: { from, to, limit, ...(params.cursor ? { cursor: params.cursor } : {}) } };
}
