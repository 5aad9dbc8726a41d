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

describe('kafkaSettings with KAFKA_SASL_MECHANISM=aws-msk-iam', () => {
  const base = { KAFKA_BROKERS: 'b-1.msk.example:9098', KAFKA_SASL_MECHANISM: 'aws-msk-iam', KAFKA_SSL: 'true' };

  it('takes the region from AWS_REGION', () => {
    expect(kafkaSettings({ ...base, AWS_REGION: 'eu-west-1' }).sasl).toEqual({ mechanism: 'aws-msk-iam', region: 'eu-west-1' });
  });

  it('requires TLS and a real AWS region, one line each', () => {
    expect(problemsOf(() => kafkaSettings({ ...base, KAFKA_SSL: 'false' }))).toEqual([
      "AWS_REGION is not set: required with KAFKA_SASL_MECHANISM=aws-msk-iam (the MSK cluster's region, e.g. eu-west-1)",
      'KAFKA_SSL must be true with KAFKA_SASL_MECHANISM=aws-msk-iam: MSK accepts IAM only on its TLS listener (port 9098)',
    ]);
    expect(problemsOf(() => kafkaSettings({ ...base, AWS_REGION: 'local' }))).toEqual([
      'AWS_REGION is invalid ("local" is not an AWS region): required with KAFKA_SASL_MECHANISM=aws-msk-iam, e.g. eu-west-1',
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
      maxLifetimeSeconds: 86_400,
      clockSkewSeconds: 30,
    });
  });

  it('reads the maximum token lifetime as an ISO-8601 duration and a small clock skew', () => {
    const secret = { GEOPULSE_JWT_SECRET: 's'.repeat(32) };
    expect(operatorAuthSettings({ ...secret, GEOPULSE_JWT_MAX_LIFETIME: 'P1DT12H', GEOPULSE_JWT_CLOCK_SKEW_SECONDS: '5' })).toMatchObject({
      maxLifetimeSeconds: 129_600,
      clockSkewSeconds: 5,
    });
    expect(operatorAuthSettings({ ...secret, GEOPULSE_JWT_MAX_LIFETIME: 'PT90M' })).toMatchObject({ maxLifetimeSeconds: 5400 });
  });

  it('refuses a lifetime that is not a fixed-length duration, out of range, and a large skew', () => {
    const secret = { GEOPULSE_JWT_SECRET: 's'.repeat(32) };
    expect(problemsOf(() => operatorAuthSettings({ ...secret, GEOPULSE_JWT_MAX_LIFETIME: '86400' }))[0]).toMatch(
      /^GEOPULSE_JWT_MAX_LIFETIME is invalid \("86400" is not an ISO-8601 duration/,
    );
    expect(problemsOf(() => operatorAuthSettings({ ...secret, GEOPULSE_JWT_MAX_LIFETIME: 'P1M' }))[0]).toMatch(/^GEOPULSE_JWT_MAX_LIFETIME is invalid/);
    expect(problemsOf(() => operatorAuthSettings({ ...secret, GEOPULSE_JWT_MAX_LIFETIME: 'PT' }))[0]).toMatch(/^GEOPULSE_JWT_MAX_LIFETIME is invalid/);
    expect(problemsOf(() => operatorAuthSettings({ ...secret, GEOPULSE_JWT_MAX_LIFETIME: 'P60D' }))[0]).toMatch(/longer than 2592000 s/);
    expect(problemsOf(() => operatorAuthSettings({ ...secret, GEOPULSE_JWT_CLOCK_SKEW_SECONDS: '3600' }))[0]).toMatch(
      /^GEOPULSE_JWT_CLOCK_SKEW_SECONDS is invalid \(3600 > 300\)/,
    );
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
