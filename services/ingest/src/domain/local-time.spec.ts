import { canonicalTimeZone, localTimeAt } from './local-time';

describe('tenant local time', () => {
  it('reads the wall clock of a zone, with daylight saving time and the day of the week', () => {
    const at = Date.parse('2026-07-01T13:05:00Z'); // a Wednesday; Amsterdam is UTC+2 in summer
    expect(localTimeAt(at, 'Europe/Amsterdam')).toEqual({ hour: 15, minute: 5, dayOfWeek: 'Wed', timeZone: 'Europe/Amsterdam' });
    expect(localTimeAt(Date.parse('2026-01-01T13:05:00Z'), 'Europe/Amsterdam')).toMatchObject({ hour: 14, dayOfWeek: 'Thu' });
    expect(localTimeAt(at, 'UTC')).toMatchObject({ hour: 13, minute: 5 });
    expect(localTimeAt(Date.parse('2026-07-01T23:30:00Z'), 'Etc/GMT-3')).toEqual({ hour: 2, minute: 30, dayOfWeek: 'Thu', timeZone: 'Etc/GMT-3' });
    expect(localTimeAt(Date.parse('2026-07-01T00:00:00Z'), 'UTC').hour).toBe(0);
  });

  it('accepts IANA names (canonical form) and refuses anything else', () => {
    expect(canonicalTimeZone('Europe/Amsterdam')).toBe('Europe/Amsterdam');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('Etc/GMT-3')).toBe('Etc/GMT-3');
    for (const bad of ['Mars/Olympus', '+03:00', '', 'Europe/../../etc', 42, null, 'x'.repeat(100)]) expect([bad, canonicalTimeZone(bad)]).toEqual([bad, undefined]);
  });
});
