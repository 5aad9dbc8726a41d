import { ConfigError } from '@geopulse/config';
import { parseIngestConfig } from './config';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', GEOPULSE_JWT_SECRET: 'x'.repeat(32) };

describe('ingest config', () => {
  it('applies the contract defaults', () => {
    const config = parseIngestConfig(base);
    expect(config.http.PORT).toBe(3001);
    expect(config.ingest).toEqual({ maxBatch: 1000, maxBodyBytes: 1048576, maxFutureSkewMs: 300_000, maxAgeMs: 720 * 3600_000, produceTimeoutMs: 10_000 });
    expect(config.auth).toEqual({ kind: 'secret', secret: 'x'.repeat(32), issuer: undefined, audience: undefined });
  });

  it('refuses to start without brokers or a JWT secret, naming both', () => {
    try {
      parseIngestConfig({ PORT: 'abc' });
      throw new Error('expected ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.map((p) => p.split(' ')[0]);
      expect(problems).toEqual(['PORT', 'KAFKA_BROKERS', 'GEOPULSE_JWT_SECRET']);
    }
  });
});
