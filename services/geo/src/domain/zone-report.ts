import type { GeofenceIssue } from './geofence';

/**
 * Days in zone (seed S8): per device, the distinct local days with presence inside a fence,
 * the time inside and the number of visits in [from, to). Visits come from geo's own
 * transition log (ENTER opens a visit, EXIT closes it); a visit open at `from` or still open
 * at `to` (or now) is clipped to the range; a visit across local midnight counts both days; a
 * visit of no duration (ENTER and EXIT at one instant) counts its visit and its day.
 */
export interface VisitRecord {
  deviceId: string;
  /** ENTER event time (ms). */
  enteredAt: number;
  /** EXIT event time (ms); absent while the visit is open. */
  exitedAt?: number;
}

export interface ZoneReportRow {
  deviceId: string;
  /** Local dates (YYYY-MM-DD in the report's time zone), ascending. */
  days: string[];
  visits: number;
  secondsInside: number;
}

export interface ZoneReportQuery {
  from: number;
  to: number;
  timeZone: string;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO 8601 date-time with a zone designator (Z or ±hh:mm): an instant, not a local time. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    if (formatters.size > 500) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `ms` in `timeZone` as if it were UTC (ms), e.g. 00:30 local -> Date.UTC(..., 0, 30). */
function wallClock(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + (ms % 1000 + 1000) % 1000;
}

/** The local date (YYYY-MM-DD) of an instant. */
export function localDate(ms: number, timeZone: string): string {
  return new Date(wallClock(ms, timeZone)).toISOString().slice(0, 10);
}

/** The instant of local midnight starting `date` (YYYY-MM-DD) in `timeZone` (DST-safe: offset read twice). */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - (wallClock(guess, timeZone) - guess);
  return guess - (wallClock(first, timeZone) - first);
}

/** Default range: the last DEFAULT_DAYS local days, today included. */
export const DEFAULT_DAYS = 7;

/** Local midnight `days` after the local date of `ms` (negative: before). */
function midnightAfter(ms: number, days: number, timeZone: string): number {
  const [y, m, d] = localDate(ms, timeZone).split('-').map(Number);
  return localMidnight(y, m, d + days, timeZone);
}

/**
 * Parses `from`, `to` (ISO 8601 instants with a zone, or dates meaning local midnight in `tz`)
 * and `tz` (IANA, default UTC); every problem at once; the range at most `maxDays` long.
 * Without `to`: the end of today (next local midnight after `now`); without `from`:
 * DEFAULT_DAYS local days before `to`'s date.
 */
export function parseReportQuery(params: Record<string, string | undefined>, maxDays: number, now: number): { ok: true; query: ZoneReportQuery } | { ok: false; issues: GeofenceIssue[] } {
  const issues: GeofenceIssue[] = [];
  const timeZone = params.tz ?? 'UTC';
  const zoneOk = isTimeZone(timeZone);
  if (!zoneOk) issues.push({ path: 'tz', message: `unknown time zone ${JSON.stringify(timeZone.slice(0, 64))}: an IANA name such as Europe/London or UTC` });
  const instant = (name: 'from' | 'to'): number => {
    const raw = params[name];
    if (raw === undefined || raw === '') return NaN;
    const date = DATE_ONLY.exec(raw);
    if (date) {
      const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
      const check = new Date(Date.UTC(y, m - 1, d));
      if (check.getUTCFullYear() === y && check.getUTCMonth() === m - 1 && check.getUTCDate() === d) return zoneOk ? localMidnight(y, m, d, timeZone) : NaN;
    } else if (INSTANT.test(raw) && Number.isFinite(Date.parse(raw))) return Date.parse(raw);
    issues.push({ path: name, message: `not a date: ${JSON.stringify(raw.slice(0, 40))} (YYYY-MM-DD, or an ISO 8601 time with Z or an offset)` });
    return NaN;
  };
  const given = (name: 'from' | 'to') => params[name] !== undefined && params[name] !== '';
  const parsedFrom = instant('from');
  const parsedTo = instant('to');
  const to = given('to') || !zoneOk ? parsedTo : midnightAfter(now, 1, timeZone);
  const from = given('from') || !zoneOk || !Number.isFinite(to) ? parsedFrom : midnightAfter(to - 1, -(DEFAULT_DAYS - 1), timeZone);
  if (Number.isFinite(from) && Number.isFinite(to)) {
    if (to <= from) issues.push({ path: 'to', message: 'must be after from' });
    else if (to - from > maxDays * 86_400_000) issues.push({ path: 'to', message: `the range is at most ${maxDays} days; ask for several reports` });
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, query: { from, to, timeZone } };
}

/** Every local date from the one of `start` to the one of `end` (inclusive), ascending. */
function datesBetween(start: number, end: number, timeZone: string): string[] {
  const last = localDate(end, timeZone);
  const out: string[] = [];
  for (let day = Date.parse(localDate(start, timeZone)); ; day += 86_400_000) {
    const date = new Date(day).toISOString().slice(0, 10);
    out.push(date);
    if (date >= last) return out;
  }
}

/** The report rows, one per device with presence in [from, to), by device id. `now` clips open visits. */
export function zoneReport(visits: readonly VisitRecord[], query: ZoneReportQuery, now: number): ZoneReportRow[] {
  const rows = new Map<string, { days: Set<string>; visits: number; ms: number }>();
  for (const v of visits) {
    const start = Math.max(v.enteredAt, query.from);
    const end = Math.min(v.exitedAt ?? Math.max(now, v.enteredAt), query.to);
    const instantInRange = start === end && v.enteredAt >= query.from && v.enteredAt < query.to;
    if (!(start < end) && !instantInRange) continue;
    const row = rows.get(v.deviceId) ?? { days: new Set<string>(), visits: 0, ms: 0 };
    row.visits++;
    row.ms += end - start;
    // `end` is exclusive: a visit ending at local midnight does not touch the next day.
    for (const d of datesBetween(start, end > start ? end - 1 : start, query.timeZone)) row.days.add(d);
    rows.set(v.deviceId, row);
  }
  return [...rows.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([deviceId, r]) => ({ deviceId, days: [...r.days].sort(), visits: r.visits, secondsInside: Math.round(r.ms) / 1000 }));
}

/** The report as CSV (RFC 4180): one line per device, its dates separated by spaces. */
export function zoneReportCsv(rows: readonly ZoneReportRow[]): string {
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['deviceId,daysInZone,visits,secondsInside,days'];
  for (const r of rows) lines.push([quote(r.deviceId), r.days.length, r.visits, r.secondsInside, r.days.join(' ')].join(','));
  return `${lines.join('\r\n')}\r\n`;
}
