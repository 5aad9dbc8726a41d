import { hostname } from 'node:os';
import { ConfigError, dynamoSettings, env, loadEnv, loadOrExit, platformConfig, type DynamoSettings, type EnvSource, type PlatformConfig } from '@geopulse/config';

const ingestEnv = {
  INGEST_MAX_BATCH: env.int('readings per request', { default: 1000, min: 1, max: 10_000 }),
  INGEST_MAX_BODY_BYTES: env.int('request body limit in bytes', { default: 1024 * 1024, min: 1024 }),
  INGEST_MAX_FUTURE_SKEW_SECONDS: env.int('how far in the future an event time may be', { default: 300, min: 0 }),
  INGEST_MAX_AGE_HOURS: env.int('how old an event time may be', { default: 720, min: 1 }),
  INGEST_PRODUCE_TIMEOUT_MS: env.int('deadline for Kafka to acknowledge a request', { default: 10_000, min: 100 }),
  INGEST_DEDUP_WINDOW_SECONDS: env.int('how long a written reading id is remembered', { default: 3600, min: 1 }),
  INGEST_RATE_PER_DEVICE: env.number('readings per second a device may send (token refill rate)', { default: 100, min: 0.001 }),
  INGEST_RATE_BURST: env.int('readings a device may send at once (bucket size)', { default: 2000, min: 1 }),
  INGEST_MAX_IN_FLIGHT: env.int('concurrent telemetry requests per replica before 503', { default: 256, min: 1 }),
  INGEST_KEY_ROTATION_GRACE_SECONDS: env.int('how long the previous device key works after a rotation', { default: 86_400, min: 0 }),
  INGEST_KEY_CACHE_TTL_MS: env.int('how long a device key verification is cached (revocation delay)', { default: 5000, min: 0, max: 60_000 }),
  INGEST_MAX_DEVICES_PER_TENANT: env.int('devices one tenant may register (a create past it answers 409 TENANT_LIMIT_REACHED)', { default: 100_000, min: 1 }),
  INGEST_MAX_POLICIES_PER_TENANT: env.int('authorization policies one tenant may add (a create past it answers 409 TENANT_LIMIT_REACHED)', { default: 100, min: 1, max: 10_000 }),
  INGEST_MAX_POLICY_BYTES: env.int('size limit of one policy\'s Cedar text (413 POLICY_TOO_LARGE past it)', { default: 10_000, min: 256, max: 100_000 }),
  INGEST_DEVICE_TAGS_TTL_MS: env.int('how long a device\'s registry tags are cached for the readings that carry them (tag change delay)', { default: 10_000, min: 0, max: 300_000 }),
  INGEST_KEY_CACHE_SIZE: env.int('device key verifications cached per replica', { default: 10_000, min: 1 }),
  INGEST_COMMAND_RETRY_SECONDS: env.int('how long a command the broker had no subscriber for (or did not acknowledge) waits before it is published again', { default: 10, min: 1 }),
  INGEST_COMMAND_SWEEP_MS: env.int('how often each replica looks for commands to retry or expire', { default: 2000, min: 100 }),
  INGEST_COMMAND_RETENTION_DAYS: env.int('how long a finished command stays readable (DynamoDB TTL after its expiry)', { default: 30, min: 1 }),
  MQTT_URL: env.optionalUrl('MQTT broker of the bridge (mqtt://, mqtts://); bridge off when unset', ['mqtt', 'mqtts', 'ws', 'wss']),
  MQTT_SHARE_GROUP: env.string('shared subscription group of the bridge', { default: 'geopulse-ingest', pattern: /^[A-Za-z0-9._-]+$/ }),
  MQTT_MAX_IN_FLIGHT: env.int('unacknowledged MQTT messages per bridge connection (receive maximum)', { default: 100, min: 1, max: 65_535 }),
  MQTT_CONNECTIONS: env.int('bridge connections per replica (each handles its messages one at a time)', { default: 16, min: 1, max: 64 }),
  MQTT_CLIENT_ID: env.optionalString('client id prefix of the bridge sessions; default geopulse-ingest-<hostname>-<PORT>'),
  MQTT_USERNAME: env.optionalString('service account of the bridge on the broker (required with MQTT_URL: the broker refuses anonymous clients)'),
  MQTT_PASSWORD: env.optionalString('password of the bridge\'s service account (required with MQTT_URL)'),
  MQTT_CA_FILE: env.optionalString('PEM file of the CA that signed the broker\'s certificate (mqtts://, wss://); default: the system CAs'),
  MQTT_IDENTITY_PROPERTY: env.string('MQTT 5 user property in which the broker names the publisher (checked against the topic); "none" when the broker adds none', { default: 'geopulse-client', pattern: /^[A-Za-z0-9._-]+$/ }),
  MQTT_AUTH_SECRET: env.optionalString('shared secret the broker\'s auth plugin sends to POST /internal/mqtt/authenticate; endpoint off when unset', { minLength: 16 }),
  MQTT_SESSION_EXPIRY_SECONDS: env.int('how long the broker keeps a bridge session (and its unacknowledged messages) while it is away', { default: 3600, min: 0 }),
};

export interface IngestSettings {
  maxBatch: number;
  maxBodyBytes: number;
  maxFutureSkewMs: number;
  maxAgeMs: number;
  produceTimeoutMs: number;
  dedupWindowMs: number;
  ratePerDevice: number;
  rateBurst: number;
  maxInFlight: number;
  rotationGraceMs: number;
  maxDevicesPerTenant: number;
  maxPoliciesPerTenant: number;
  maxPolicyBytes: number;
  keyCacheTtlMs: number;
  keyCacheSize: number;
  commandRetryMs: number;
  commandSweepMs: number;
  commandRetentionSeconds: number;
  /** How long a device's registry tags are cached for readings (docs/decisions/0107). */
  deviceTagsTtlMs: number;
}

export interface MqttSettings {
  url: string;
  shareGroup: string;
  maxInFlight: number;
  connections: number;
  clientIdPrefix: string;
  sessionExpirySeconds: number;
  username: string;
  password: string;
  /** PEM of the broker's CA (TLS), when not a system CA. */
  caFile?: string;
  /** User property carrying the publisher's identity; undefined: the broker adds none. */
  identityProperty?: string;
}

export type IngestConfig = PlatformConfig & {
  redisUrl: string;
  dynamo: DynamoSettings;
  ingest: IngestSettings;
  mqtt?: MqttSettings;
  /** Secret of the broker auth plugin's calls (POST /internal/mqtt/authenticate); endpoint off when unset. */
  mqttAuthSecret?: string;
};

export function parseIngestConfig(source: EnvSource): IngestConfig {
  let mqtt: MqttSettings | undefined;
  let mqttAuthSecret: string | undefined;
  const config = platformConfig<{ dynamo: DynamoSettings; ingest: IngestSettings }>(source, { defaultPort: 3001, redis: true }, {
    dynamo: () => dynamoSettings(source),
    ingest: () => {
      const c = loadEnv(ingestEnv, source);
      mqttAuthSecret = c.MQTT_AUTH_SECRET;
      if (c.MQTT_URL) {
        const port = Number(source.PORT ?? 3001);
        const missing = (['MQTT_USERNAME', 'MQTT_PASSWORD'] as const).filter((name) => !c[name]);
        if (missing.length > 0) throw new ConfigError(missing.map((name) => `${name} is not set: the MQTT bridge connects with a service account (MQTT_URL is set)`));
        mqtt = {
          url: c.MQTT_URL,
          shareGroup: c.MQTT_SHARE_GROUP,
          maxInFlight: c.MQTT_MAX_IN_FLIGHT,
          connections: c.MQTT_CONNECTIONS,
          clientIdPrefix: c.MQTT_CLIENT_ID ?? `geopulse-ingest-${hostname()}-${port}`,
          sessionExpirySeconds: c.MQTT_SESSION_EXPIRY_SECONDS,
          username: c.MQTT_USERNAME as string,
          password: c.MQTT_PASSWORD as string,
          ...(c.MQTT_CA_FILE ? { caFile: c.MQTT_CA_FILE } : {}),
          ...(c.MQTT_IDENTITY_PROPERTY === 'none' ? {} : { identityProperty: c.MQTT_IDENTITY_PROPERTY }),
        };
      }
      return {
        maxBatch: c.INGEST_MAX_BATCH,
        maxBodyBytes: c.INGEST_MAX_BODY_BYTES,
        maxFutureSkewMs: c.INGEST_MAX_FUTURE_SKEW_SECONDS * 1000,
        maxAgeMs: c.INGEST_MAX_AGE_HOURS * 3600_000,
        produceTimeoutMs: c.INGEST_PRODUCE_TIMEOUT_MS,
        dedupWindowMs: c.INGEST_DEDUP_WINDOW_SECONDS * 1000,
        ratePerDevice: c.INGEST_RATE_PER_DEVICE,
        rateBurst: c.INGEST_RATE_BURST,
        maxInFlight: c.INGEST_MAX_IN_FLIGHT,
        rotationGraceMs: c.INGEST_KEY_ROTATION_GRACE_SECONDS * 1000,
        maxDevicesPerTenant: c.INGEST_MAX_DEVICES_PER_TENANT,
        maxPoliciesPerTenant: c.INGEST_MAX_POLICIES_PER_TENANT,
        maxPolicyBytes: c.INGEST_MAX_POLICY_BYTES,
        keyCacheTtlMs: c.INGEST_KEY_CACHE_TTL_MS,
        keyCacheSize: c.INGEST_KEY_CACHE_SIZE,
        commandRetryMs: c.INGEST_COMMAND_RETRY_SECONDS * 1000,
        commandSweepMs: c.INGEST_COMMAND_SWEEP_MS,
        commandRetentionSeconds: c.INGEST_COMMAND_RETENTION_DAYS * 86_400,
        deviceTagsTtlMs: c.INGEST_DEVICE_TAGS_TTL_MS,
      };
    },
  });
  return { ...(config as IngestConfig), ...(mqtt ? { mqtt } : {}), ...(mqttAuthSecret ? { mqttAuthSecret } : {}) };
}

export const loadIngestConfig = (): IngestConfig => loadOrExit('ingest', () => parseIngestConfig(process.env));
