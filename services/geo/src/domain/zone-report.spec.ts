import { localDate, localMidnight, parseReportQuery, zoneReport, zoneReportCsv, type VisitRecord } from './zone-report';

const t = (iso: string) => Date.parse(iso);
const HOUR = 3600;

// A small ULEZ case. van-a: 08:00-10:00Z on 2 Nov, then 23:00Z on 2 Nov to 01:30Z on 3 Nov (across UTC midnight).
// van-b: in since 22:00Z on 1 Nov until 02:00Z on 2 Nov (open at `from`), back at 20:00Z on 4 Nov and still inside.
const VISITS: VisitRecord[] = [
  { deviceId: 'van-a', enteredAt: t('2026-11-02T08:00:00Z'), exitedAt: t('2026-11-02T10:00:00Z') },
  { deviceId: 'van-a', enteredAt: t('2026-11-02T23:00:00Z'), exitedAt: t('2026-11-03T01:30:00Z') },
  { deviceId: 'van-b', enteredAt: t('2026-11-01T22:00:00Z'), exitedAt: t('2026-11-02T02:00:00Z') },
  { deviceId: 'van-b', enteredAt: t('2026-11-04T20:00:00Z') },
];
const LATER = t('2026-12-01T00:00:00Z');
const query = (from: string, to: string, tz?: string) => {
  const r = parseReportQuery({ from, to, tz }, 366, LATER);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.query;
};

describe('zoneReport', () => {
  it('counts distinct UTC days, clipped time and visits, a visit across midnight on both days', () => {
    expect(zoneReport(VISITS, query('2026-11-02', '2026-11-05'), LATER)).toEqual([
      { deviceId: 'van-a', days: ['2026-11-02', '2026-11-03'], visits: 2, secondsInside: 2 * HOUR + 2.5 * HOUR },
      // 00:00-02:00 of the visit open at `from`; 20:00-24:00 of the one still open at `to`.
      { deviceId: 'van-b', days: ['2026-11-02', '2026-11-04'], visits: 2, secondsInside: 2 * HOUR + 4 * HOUR },
    ]);
  });

  it('shifts the day boundary with the time zone (New York is UTC-5 in November)', () => {
    // Range: 05:00Z on 2 Nov to 05:00Z on 5 Nov. van-a's late visit is 18:00-20:30 local on 2 Nov: one day.
    // van-b's first visit ended before 05:00Z; its open visit runs 15:00 local on 4 Nov to local midnight: 9 h.
    expect(zoneReport(VISITS, query('2026-11-02', '2026-11-05', 'America/New_York'), LATER)).toEqual([
      { deviceId: 'van-a', days: ['2026-11-02'], visits: 2, secondsInside: 4.5 * HOUR },
      { deviceId: 'van-b', days: ['2026-11-04'], visits: 1, secondsInside: 9 * HOUR },
    ]);
  });

  it('clips an open visit at now, and counts a visit of no duration', () => {
    const now = t('2026-11-04T21:15:00Z');
    const rows = zoneReport([...VISITS, { deviceId: 'van-c', enteredAt: t('2026-11-03T12:00:00Z'), exitedAt: t('2026-11-03T12:00:00Z') }], query('2026-11-04T00:00:00Z', '2026-11-05T00:00:00Z'), now);
    expect(rows).toEqual([{ deviceId: 'van-b', days: ['2026-11-04'], visits: 1, secondsInside: 1.25 * HOUR }]);
    expect(zoneReport([{ deviceId: 'van-c', enteredAt: t('2026-11-03T12:00:00Z'), exitedAt: t('2026-11-03T12:00:00Z') }], query('2026-11-03', '2026-11-04'), now)).toEqual([
      { deviceId: 'van-c', days: ['2026-11-03'], visits: 1, secondsInside: 0 },
    ]);
  });

  it('writes CSV with a header and one line per device', () => {
    expect(zoneReportCsv(zoneReport(VISITS, query('2026-11-02', '2026-11-05'), LATER))).toBe(
      'deviceId,daysInZone,visits,secondsInside,days\r\nvan-a,2,2,16200,2026-11-02 2026-11-03\r\nvan-b,2,2,21600,2026-11-02 2026-11-04\r\n',
    );
  });
});

describe('parseReportQuery', () => {
  it('reads dates as local midnights (DST-aware) and instants as given', () => {
    expect(query('2026-11-02', '2026-11-03', 'Europe/London').from).toBe(t('2026-11-02T00:00:00Z'));
    expect(query('2026-07-02', '2026-07-03', 'Europe/London').from).toBe(t('2026-07-01T23:00:00Z'));
    expect(localMidnight(2026, 3, 29, 'Europe/London')).toBe(t('2026-03-29T00:00:00Z'));
    expect(localMidnight(2026, 3, 30, 'Europe/London')).toBe(t('2026-03-29T23:00:00Z'));
    expect(localDate(t('2026-11-02T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-11-03');
    expect(query('2026-11-02T10:00:00+01:00', '2026-11-02T12:00:00Z').from).toBe(t('2026-11-02T09:00:00Z'));
  });

  it('defaults to the last 7 local days, today included', () => {
    const now = t('2026-11-30T12:00:00Z');
    const range = (p: Record<string, string>) => {
      const r = parseReportQuery(p, 366, now);
      return r.ok ? [new Date(r.query.from).toISOString(), new Date(r.query.to).toISOString()] : r.issues;
    };
    expect(range({})).toEqual(['2026-11-24T00:00:00.000Z', '2026-12-01T00:00:00.000Z']);
    // 21:00 on 30 Nov in Tokyo: 24 Nov 00:00 JST to 1 Dec 00:00 JST.
    expect(range({ tz: 'Asia/Tokyo' })).toEqual(['2026-11-23T15:00:00.000Z', '2026-11-30T15:00:00.000Z']);
    expect(range({ to: '2026-11-05' })).toEqual(['2026-10-29T00:00:00.000Z', '2026-11-05T00:00:00.000Z']);
    expect(range({ from: '2026-11-02' })).toEqual(['2026-11-02T00:00:00.000Z', '2026-12-01T00:00:00.000Z']);
  });

  it('names every bad parameter', () => {
    const issues = (p: Record<string, string | undefined>, maxDays = 31) => {
      const r = parseReportQuery(p, maxDays, LATER);
      return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
    };
    expect(issues({ from: '2026-11-02', to: '2026-11-05', tz: 'Mars/Olympus' })).toEqual([
      'tz: unknown time zone "Mars/Olympus": an IANA name such as Europe/London or UTC',
    ]);
    expect(issues({ from: '2026-02-30', to: 'yesterday' })).toEqual([
      'from: not a date: "2026-02-30" (YYYY-MM-DD, or an ISO 8601 time with Z or an offset)',
      'to: not a date: "yesterday" (YYYY-MM-DD, or an ISO 8601 time with Z or an offset)',
    ]);
    expect(issues({ from: '2026-11-02T10:00:00', to: '2026-11-05' })[0]).toMatch(/^from: not a date/);
    expect(issues({ from: '2026-11-05', to: '2026-11-02' })).toEqual(['to: must be after from']);
    expect(issues({ from: '2026-01-01', to: '2026-03-01' })).toEqual(['to: the range is at most 31 days; ask for several reports']);
  });
});
