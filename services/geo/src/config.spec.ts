import { ConfigError } from '@geopulse/config';
import { parseGeoConfig } from './config';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', REDIS_URL: 'redis://127.0.0.1:6379', AWS_REGION: 'eu-west-1', GEOPULSE_JWT_SECRET: 'x'.repeat(32) };

describe('geo config', () => {
  it('has defaults for every geo variable', () => {
    expect(parseGeoConfig(base).geo).toEqual({
      minHysteresisMeters: 5, maxVertices: 10_000, reconcileMs: 30_000, dwellScanMs: 1000, maxImportFeatures: 1000, maxFencesPerTenant: 10_000, maxBodyBytes: 8 * 1024 * 1024,
      forecast: { maxHorizonMinutes: 720, maxDevices: 100, idleSpeedMps: 0.5, trackWindowMs: 600_000 },
      report: { maxRangeDays: 366, lookbackDays: 31, maxTransitions: 200_000, retentionMs: 400 * 86_400_000 },
    });
  });

  it('reports every wrong variable at once, naming it', () => {
    try {
      parseGeoConfig({ ...base, AWS_REGION: undefined, GEO_MIN_HYSTERESIS_METERS: '-1' } as Record<string, string | undefined>);
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).problems.join('\n');
      expect(text).toMatch(/AWS_REGION/);
      expect(text).toMatch(/GEO_MIN_HYSTERESIS_METERS/);
    }
  });
});
