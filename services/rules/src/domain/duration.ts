/** ISO-8601 durations of rules (`for`), kept apart from the alert lifecycle that uses them. */

/** Parses an ISO-8601 duration of days, hours, minutes and seconds (e.g. `PT5M`, `P1DT2H`) into ms. */
export function parseDuration(iso: string): number | undefined {
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!match || iso === 'P' || iso.endsWith('T')) return undefined;
  const [, d, h, m, s] = match.map((v) => (v === undefined ? 0 : Number(v)));
  return Math.round(((d * 24 + h) * 60 + m) * 60_000 + s * 1000);
}
