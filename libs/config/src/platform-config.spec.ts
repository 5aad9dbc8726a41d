import { ConfigError, env, loadEnv } from './env-schema';
import { collectConfig, kafkaSettings, operatorAuthSettings, platformConfig, tracingSettings } from './platform-config';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadEnv', () => {
  const spec = {
    PORT: env.int('HTTP port', { default: 3001, min: 1, max: 65535 }),
    MODE: env.oneOf(['a', 'b'] as const),
    FLAG: env.bool('a flag', false),
  };

  it('applies defaults and parses types', () => {
    expect(loadEnv(spec, { MODE: 'b', FLAG: 'yes' })).toEqual({ PORT: 3001, MODE: 'b', FLAG: true });
  });

  it('names every missing or wrong variable in one error', () => {
    const problems = problemsOf(() => loadEnv(spec, { PORT: '70000', FLAG: 'maybe' }));
    expect(problems).toEqual([
      'PORT is invalid (70000 > 65535): expected HTTP port',
      'MODE is not set: expected one of a, b',
      'FLAG is invalid ("maybe" is not true/false): expected a flag',
    ]);
  });

  it('treats an empty value as unset', () => {
    expect(problemsOf(() => loadEnv(spec, { MODE: '  ' }))).toEqual(['MODE is not set: expected one of a, b']);
  });
});

describe('kafkaSettings', () => {
  it('splits brokers and applies defaults', () => {
    expect(kafkaSettings({ KAFKA_BROKERS: 'a:9092, b:9093' })).toMatchObject({
      brokers: ['a:9092', 'b:9093'],
      topicPrefix: '',
      ssl: false,
      partitions: 6,
      maxRequestBytes: 900_000,
      partitionStallSeconds: 60,
    });
  });

  it('reads the request limit and stall time, and rejects a limit too small for any record', () => {
    expect(kafkaSettings({ KAFKA_BROKERS: 'a:1', KAFKA_MAX_REQUEST_BYTES: '65536', KAFKA_PARTITION_STALL_SECONDS: '5' })).toMatchObject({ maxRequestBytes: 65536, partitionStallSeconds: 5 });
    expect(problemsOf(() => kafkaSettings({ KAFKA_BROKERS: 'a:1', KAFKA_MAX_REQUEST_BYTES: '100' }))[0]).toMatch(/^KAFKA_MAX_REQUEST_BYTES/);
    expect(problemsOf(() => kafkaSettings({ KAFKA_BROKERS: 'a:1', KAFKA_PARTITION_STALL_SECONDS: '0' }))[0]).toMatch(/^KAFKA_PARTITION_STALL_SECONDS/);
  });

  it('rejects a broker without port and a SCRAM mechanism without credentials', () => {
    expect(problemsOf(() => kafkaSettings({ KAFKA_BROKERS: 'localhost' }))[0]).toMatch(/^KAFKA_BROKERS is invalid/);
    expect(problemsOf(() => kafkaSettings({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'scram-sha-512' }))).toEqual([
      'KAFKA_SASL_USERNAME is not set: required with KAFKA_SASL_MECHANISM=scram-sha-512',
      'KAFKA_SASL_PASSWORD is not set: required with KAFKA_SASL_MECHANISM=scram-sha-512',
    ]);
  });
});

describe('operatorAuthSettings', () => {
  it('has no default secret: neither secret nor JWKS is an error naming the variable', () => {
    expect(problemsOf(() => operatorAuthSettings({}))[0]).toMatch(/^GEOPULSE_JWT_SECRET is not set/);
  });

  it('rejects a short secret', () => {
    expect(problemsOf(() => operatorAuthSettings({ GEOPULSE_JWT_SECRET: 'short' }))[0]).toMatch(/at least 32/);
  });

  it('prefers JWKS when configured', () => {
    expect(operatorAuthSettings({ GEOPULSE_JWT_JWKS_URL: 'https://idp/jwks.json', GEOPULSE_JWT_ISSUER: 'idp' })).toEqual({
      kind: 'jwks',
      jwksUrl: 'https://idp/jwks.json',
      issuer: 'idp',
      audience: undefined,
    });
  });
});

describe('collectConfig', () => {
  it('reports the problems of every group together', () => {
    const problems = problemsOf(() =>
      collectConfig({ kafka: () => kafkaSettings({}), tracing: () => tracingSettings({ OTEL_TRACES_SAMPLER_ARG: '2' }) }),
    );
    expect(problems).toEqual([
      'KAFKA_BROKERS is not set: expected comma-separated host:port list, e.g. 127.0.0.1:9092',
      'OTEL_TRACES_SAMPLER_ARG is invalid (2 > 1): expected trace sampling ratio for root spans, 0..1',
    ]);
  });
});

describe('platformConfig', () => {
  const base = { KAFKA_BROKERS: 'k:9092', GEOPULSE_JWT_SECRET: 's'.repeat(32) };

  it('requires REDIS_URL only for services that use Redis', () => {
    expect(platformConfig(base, { defaultPort: 3001, redis: false }).redisUrl).toBeUndefined();
    expect(problemsOf(() => platformConfig(base, { defaultPort: 3002, redis: true }))).toEqual(['REDIS_URL is not set: expected redis:// or rediss:// URL']);
    expect(platformConfig({ ...base, REDIS_URL: 'rediss://cache:6379' }, { defaultPort: 3002, redis: true })).toMatchObject({ redisUrl: 'rediss://cache:6379', http: { PORT: 3002 } });
  });

  it("reports the service's own problems together with the platform's", () => {
    const problems = problemsOf(() =>
      platformConfig({ GEOPULSE_JWT_SECRET: 's'.repeat(32) }, { defaultPort: 3001, redis: false }, { own: () => loadEnv({ X: env.int('x') }, {}) }),
    );
    expect(problems).toEqual(['KAFKA_BROKERS is not set: expected comma-separated host:port list, e.g. 127.0.0.1:9092', 'X is not set: expected x']);
  });
});
