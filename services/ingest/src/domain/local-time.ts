/** The tenant's wall clock as authorization policies see it (`context.localTime`). */
export interface LocalTime {
  /** 0-23 */
  hour: number;
  /** 0-59 */
  minute: number;
  dayOfWeek: 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';
  timeZone: string;
}

export const DEFAULT_TIME_ZONE = 'UTC';
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/**
 * The canonical IANA name of a time zone (`Europe/Amsterdam`, `Etc/GMT-3`, `UTC`), or undefined
 * when Intl does not know it. Offsets like `+03:00` are refused: a named zone follows daylight
 * saving time, which is what a tenant means by "15:00".
 */
export function canonicalTimeZone(name: unknown): string | undefined {
  if (typeof name !== 'string' || !ZONE_NAME.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock at `nowMs` in `timeZone` (a name canonicalTimeZone accepted). */
export function localTimeAt(nowMs: number, timeZone: string): LocalTime {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', weekday: 'short' });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(nowMs)).map((p) => [p.type, p.value]));
  const dayOfWeek = DAYS.find((d) => d === parts.weekday) ?? 'Mon';
  return { hour: Number(parts.hour) % 24, minute: Number(parts.minute), dayOfWeek, timeZone };
}
