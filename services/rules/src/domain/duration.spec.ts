import { parseDuration } from './duration';

describe('parseDuration', () => {
  it('parses ISO-8601 durations of days, hours, minutes and seconds, and nothing else', () => {
    expect(parseDuration('PT0S')).toBe(0);
    expect(parseDuration('PT5M')).toBe(300_000);
    expect(parseDuration('P1DT1H')).toBe(25 * 3600_000);
    expect(parseDuration('PT1.5S')).toBe(1500);
    expect(parseDuration('5m')).toBeUndefined();
    expect(parseDuration('PT')).toBeUndefined();
  });
});
