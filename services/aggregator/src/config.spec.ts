import { ConfigError } from '@geopulse/config';
import { aggregatorSettings } from './config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    aggregatorSettings(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('aggregatorSettings', () => {
  it('lets a backfill revise as far back as the history keeps windows, by default', () => {
    expect(aggregatorSettings({})).toMatchObject({ windowMs: 60_000, outOfOrdernessMs: 0, allowedLatenessMs: 30 * 86_400_000, deviceIdleMs: 30_000, historyTtlSeconds: 30 * 86_400 });
    expect(aggregatorSettings({ AGGREGATOR_HISTORY_TTL_DAYS: '7' }).allowedLatenessMs).toBe(7 * 86_400_000);
  });

  it('refuses a lateness past the history TTL and an out-of-orderness past the lateness, one line each', () => {
    expect(problemsOf({ AGGREGATOR_HISTORY_TTL_DAYS: '1', AGGREGATOR_ALLOWED_LATENESS_SECONDS: '86401' })).toEqual([expect.stringMatching(/^AGGREGATOR_ALLOWED_LATENESS_SECONDS is invalid \(86401 > AGGREGATOR_HISTORY_TTL_DAYS/)]);
    expect(problemsOf({ AGGREGATOR_ALLOWED_LATENESS_SECONDS: '10', AGGREGATOR_OUT_OF_ORDERNESS_SECONDS: '11' })).toEqual([expect.stringMatching(/^AGGREGATOR_OUT_OF_ORDERNESS_SECONDS is invalid/)]);
  });

  it('stops on the retired per-partition idle setting, naming its replacement', () => {
    expect(problemsOf({ AGGREGATOR_IDLE_PARTITION_SECONDS: '30' })).toEqual([expect.stringMatching(/^AGGREGATOR_IDLE_PARTITION_SECONDS is no longer read: use AGGREGATOR_DEVICE_IDLE_SECONDS/)]);
  });
});
