import { ConfigError } from '@geopulse/config';
import { parseIngestConfig } from './config';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', GEOPULSE_JWT_SECRET: 'x'.repeat(32), REDIS_URL: 'redis://127.0.0.1:6379', AWS_REGION: 'eu-west-1' };

describe('ingest config', () => {
  it('applies the contract defaults', () => {
    const config = parseIngestConfig(base);
    expect(config.http.PORT).toBe(3001);
    expect(config.ingest).toEqual({
      maxBatch: 1000,
      maxBodyBytes: 1048576,
      maxFutureSkewMs: 300_000,
      maxAgeMs: 720 * 3600_000,
      produceTimeoutMs: 10_000,
      dedupWindowMs: 3600_000,
      ratePerDevice: 100,
      rateBurst: 2000,
      maxInFlight: 256,
      rotationGraceMs: 86_400_000,
      maxDevicesPerTenant: 100_000,
      maxPoliciesPerTenant: 100,
      maxPolicyBytes: 10_000,
      keyCacheTtlMs: 5000,
      keyCacheSize: 10_000,
      commandRetryMs: 10_000,
      commandSweepMs: 2000,
      commandRetentionSeconds: 30 * 86_400,
      deviceTagsTtlMs: 10_000,
    });
    expect(config.auth).toEqual({ kind: 'secret', secret: 'x'.repeat(32), issuer: undefined, audience: undefined, maxLifetimeSeconds: 86_400, clockSkewSeconds: 30 });
    expect(config.dynamo).toEqual({ endpoint: undefined, tablePrefix: '', region: 'eu-west-1' });
    expect(config.mqtt).toBeUndefined();
  });

  it('refuses a policy limit out of range with one line naming the setting', () => {
    expect(() => parseIngestConfig({ ...base, INGEST_MAX_POLICIES_PER_TENANT: '0', INGEST_MAX_POLICY_BYTES: 'lots' })).toThrow(/INGEST_MAX_POLICIES_PER_TENANT[\s\S]*INGEST_MAX_POLICY_BYTES|INGEST_MAX_POLICY_BYTES[\s\S]*INGEST_MAX_POLICIES_PER_TENANT/);
  });

  it('turns the MQTT bridge on with MQTT_URL', () => {
    const account = { MQTT_USERNAME: 'geopulse-ingest', MQTT_PASSWORD: 'p'.repeat(24) };
    expect(parseIngestConfig({ ...base, ...account, MQTT_URL: 'mqtt://127.0.0.1:1883', MQTT_CLIENT_ID: 'ingest-a' }).mqtt).toEqual({
      url: 'mqtt://127.0.0.1:1883',
      shareGroup: 'geopulse-ingest',
      maxInFlight: 100,
      connections: 16,
      clientIdPrefix: 'ingest-a',
      sessionExpirySeconds: 3600,
      username: 'geopulse-ingest',
      password: 'p'.repeat(24),
      identityProperty: 'geopulse-client',
    });
    const tls = parseIngestConfig({ ...base, ...account, MQTT_URL: 'mqtts://broker:8883', MQTT_CA_FILE: '/etc/ca.pem', MQTT_IDENTITY_PROPERTY: 'none' }).mqtt;
    expect(tls).toMatchObject({ url: 'mqtts://broker:8883', caFile: '/etc/ca.pem' });
    expect(tls?.identityProperty).toBeUndefined();
  });

  it('refuses an MQTT bridge without its service account, naming each missing variable', () => {
    expect(() => parseIngestConfig({ ...base, MQTT_URL: 'mqtt://127.0.0.1:1883' })).toThrow(ConfigError);
    try {
      parseIngestConfig({ ...base, MQTT_URL: 'mqtt://127.0.0.1:1883', MQTT_USERNAME: 'geopulse-ingest' });
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^MQTT_PASSWORD is not set/)]);
    }
  });

  it('serves the broker auth endpoint only with a long enough MQTT_AUTH_SECRET', () => {
    expect(parseIngestConfig(base).mqttAuthSecret).toBeUndefined();
    expect(parseIngestConfig({ ...base, MQTT_AUTH_SECRET: 's'.repeat(16) }).mqttAuthSecret).toBe('s'.repeat(16));
    expect(() => parseIngestConfig({ ...base, MQTT_AUTH_SECRET: 'short' })).toThrow(/MQTT_AUTH_SECRET/);
  });

  it('refuses to start without brokers, a JWT secret, Redis or a region, naming each', () => {
    try {
      parseIngestConfig({ PORT: 'abc' });
      throw new Error('expected ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.map((p) => p.split(' ')[0]);
      expect(problems).toEqual(['PORT', 'KAFKA_BROKERS', 'GEOPULSE_JWT_SECRET', 'REDIS_URL', 'AWS_REGION']);
    }
  });
});
