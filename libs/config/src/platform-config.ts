import { ConfigError, env, loadEnv, type EnvSource } from './env-schema';

/**
 * The shared variables of ARCHITECTURE.md ("Configuration"), grouped the way the libraries
 * take them. Each service composes the groups it needs with its own variables.
 */

/** The AWS region naming rule shared by the DynamoDB and MSK IAM settings. */
const awsRegion = () => env.string('AWS region, e.g. eu-west-1', { pattern: /^[a-z0-9-]+$/ });

/** MSK IAM signs for a real AWS region (kafka.<region>.amazonaws.com), e.g. eu-west-1, us-gov-west-1. */
const MSK_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export const kafkaEnv = {
  KAFKA_BROKERS: env.hostPortList('comma-separated host:port list, e.g. 127.0.0.1:9092'),
  KAFKA_TOPIC_PREFIX: env.string('topic name prefix', { default: '', pattern: /^[A-Za-z0-9._-]*$/ }),
  KAFKA_SASL_MECHANISM: env.optionalOneOf(['scram-sha-512', 'aws-msk-iam'] as const),
  KAFKA_SASL_USERNAME: env.optionalString('SCRAM user name'),
  KAFKA_SASL_PASSWORD: env.optionalString('SCRAM password'),
  KAFKA_SSL: env.bool('TLS to the brokers (true/false)', false),
  KAFKA_PARTITIONS: env.int('partitions of topics created by geopulse', { default: 6, min: 1, max: 1000 }),
  KAFKA_REPLICATION_FACTOR: env.int('replication factor of topics created by geopulse', { default: 1, min: 1, max: 10 }),
  KAFKA_PROVISION_TOPICS: env.bool('create missing topics at start-up (true/false)', true),
  // Under the broker's default message.max.bytes (1 MiB, also MSK's) with room for framing; lowered
  // further at connect when the broker or a topic allows less (docs/decisions/0011).
  KAFKA_MAX_REQUEST_BYTES: env.int('largest produce request in bytes; larger publishes are split', { default: 900_000, min: 4096, max: 100 * 1024 * 1024 }),
  KAFKA_PARTITION_STALL_SECONDS: env.int('seconds a partition may fail to make progress before readiness fails', { default: 60, min: 1, max: 86_400 }),
};

export const redisEnv = {
  REDIS_URL: env.url('redis:// or rediss:// URL', ['redis', 'rediss']),
};

export const dynamoEnv = {
  DYNAMODB_ENDPOINT: env.optionalUrl('DynamoDB Local URL (unset in AWS)', ['http', 'https']),
  DYNAMODB_TABLE_PREFIX: env.string('table name prefix', { default: '', pattern: /^[A-Za-z0-9._-]*$/ }),
  AWS_REGION: awsRegion(),
};

export const authEnv = {
  GEOPULSE_JWT_SECRET: env.optionalString('HS256 signing secret of at least 32 characters', { minLength: 32 }),
  GEOPULSE_JWT_JWKS_URL: env.optionalUrl('OIDC JWKS URL', ['https', 'http']),
  GEOPULSE_JWT_ISSUER: env.optionalString('expected JWT issuer'),
  GEOPULSE_JWT_AUDIENCE: env.optionalString('expected JWT audience'),
  GEOPULSE_JWT_MAX_LIFETIME: env.durationSeconds('ISO-8601 duration, the longest accepted exp - iat of an operator JWT, PT1M to P30D, e.g. PT24H', {
    default: 'PT24H',
    min: 60,
    max: 30 * 86400,
  }),
  GEOPULSE_JWT_CLOCK_SKEW_SECONDS: env.int('seconds of clock skew tolerated on exp, nbf and iat, 0-300', { default: 30, min: 0, max: 300 }),
};

export const tracingEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: env.optionalUrl('OTLP/HTTP base URL, e.g. http://jaeger:4318', ['http', 'https']),
  OTEL_TRACES_SAMPLER_ARG: env.number('trace sampling ratio for root spans, 0..1', { default: 1, min: 0, max: 1 }),
  GEOPULSE_TRACE_URL_TEMPLATE: env.optionalTraceUrlTemplate('where people open a trace (e-mails, the alerts API) unless a service sets its own'),
};

/** A browser origin: scheme, host and optional port, nothing after. */
const ORIGIN = String.raw`https?://[A-Za-z0-9.-]+(:\d{1,5})?`;

export const httpEnv = (defaultPort: number) => ({
  PORT: env.int('HTTP port', { default: defaultPort, min: 1, max: 65535 }),
  GEOPULSE_CORS_ORIGINS: env.string('comma-separated browser origins allowed to call this service (e.g. the live map, http://localhost:3005), or * for any; empty: none', {
    default: '',
    pattern: new RegExp(`^(\\*|${ORIGIN}(\\s*,\\s*${ORIGIN})*)?$`),
  }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'] as const, 'info'),
  SHUTDOWN_TIMEOUT_MS: env.int('graceful shutdown timeout in ms', { default: 10_000, min: 0 }),
});

/** What both kinds of operator JWT verification check besides the signature. */
export interface OperatorTokenLimits {
  issuer?: string;
  audience?: string;
  /** Longest accepted lifetime (exp - iat, or exp - now without iat); default 24 h. */
  maxLifetimeSeconds?: number;
  /** Tolerated clock difference on exp, nbf and iat; default 30 s. */
  clockSkewSeconds?: number;
}

/** Operator JWT verification: a development secret or an OIDC issuer, never neither. */
export type OperatorAuthSettings = ({ kind: 'secret'; secret: string } | { kind: 'jwks'; jwksUrl: string }) & OperatorTokenLimits;

export function operatorAuthSettings(source: EnvSource): OperatorAuthSettings {
  const c = loadEnv(authEnv, source);
  const common = {
    issuer: c.GEOPULSE_JWT_ISSUER,
    audience: c.GEOPULSE_JWT_AUDIENCE,
    maxLifetimeSeconds: c.GEOPULSE_JWT_MAX_LIFETIME,
    clockSkewSeconds: c.GEOPULSE_JWT_CLOCK_SKEW_SECONDS,
  };
  if (c.GEOPULSE_JWT_JWKS_URL) return { kind: 'jwks', jwksUrl: c.GEOPULSE_JWT_JWKS_URL, ...common };
  if (c.GEOPULSE_JWT_SECRET) return { kind: 'secret', secret: c.GEOPULSE_JWT_SECRET, ...common };
  throw new ConfigError([
    'GEOPULSE_JWT_SECRET is not set: expected an HS256 secret of at least 32 characters (development), or set GEOPULSE_JWT_JWKS_URL (production OIDC); there is no default',
  ]);
}

export interface KafkaSettings {
  brokers: string[];
  topicPrefix: string;
  sasl?: { mechanism: 'scram-sha-512'; username: string; password: string } | { mechanism: 'aws-msk-iam'; region: string };
  ssl: boolean;
  partitions: number;
  replicationFactor: number;
  provisionTopics: boolean;
  /** Largest produce request the producer sends; publishes are split under it. */
  maxRequestBytes: number;
  /** How long a partition may fail to make progress before readiness fails. */
  partitionStallSeconds: number;
}

export function kafkaSettings(source: EnvSource): KafkaSettings {
  const c = loadEnv(kafkaEnv, source);
  let sasl: KafkaSettings['sasl'];
  if (c.KAFKA_SASL_MECHANISM === 'scram-sha-512') {
    const missing = (['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const).filter((k) => !c[k]);
    if (missing.length > 0) {
      throw new ConfigError(missing.map((k) => `${k} is not set: required with KAFKA_SASL_MECHANISM=scram-sha-512`));
    }
    sasl = { mechanism: 'scram-sha-512', username: c.KAFKA_SASL_USERNAME!, password: c.KAFKA_SASL_PASSWORD! };
  } else if (c.KAFKA_SASL_MECHANISM === 'aws-msk-iam') {
    sasl = { mechanism: 'aws-msk-iam', region: mskIamRegion(source, c.KAFKA_SSL) };
  }
  return {
    brokers: c.KAFKA_BROKERS,
    topicPrefix: c.KAFKA_TOPIC_PREFIX,
    sasl,
    ssl: c.KAFKA_SSL,
    partitions: c.KAFKA_PARTITIONS,
    replicationFactor: c.KAFKA_REPLICATION_FACTOR,
    provisionTopics: c.KAFKA_PROVISION_TOPICS,
    maxRequestBytes: c.KAFKA_MAX_REQUEST_BYTES,
    partitionStallSeconds: c.KAFKA_PARTITION_STALL_SECONDS,
  };
}

/** AWS_REGION (validated as a real region) and KAFKA_SSL=true are both required with MSK IAM. */
function mskIamRegion(source: EnvSource, ssl: boolean): string {
  const problems: string[] = [];
  const region = source.AWS_REGION?.trim();
  if (!region) {
    problems.push('AWS_REGION is not set: required with KAFKA_SASL_MECHANISM=aws-msk-iam (the MSK cluster\'s region, e.g. eu-west-1)');
  } else if (!MSK_REGION.test(region)) {
    problems.push(`AWS_REGION is invalid ("${region}" is not an AWS region): required with KAFKA_SASL_MECHANISM=aws-msk-iam, e.g. eu-west-1`);
  }
  if (!ssl) {
    problems.push('KAFKA_SSL must be true with KAFKA_SASL_MECHANISM=aws-msk-iam: MSK accepts IAM only on its TLS listener (port 9098)');
  }
  if (problems.length > 0 || !region) throw new ConfigError(problems);
  return region;
}

export interface TracingSettings {
  endpoint?: string;
  sampleRatio: number;
  /** GEOPULSE_TRACE_URL_TEMPLATE: undefined when unset, '' for `none`. */
  traceUrlTemplate?: string;
}

export function tracingSettings(source: EnvSource): TracingSettings {
  const c = loadEnv(tracingEnv, source);
  return { endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: c.OTEL_TRACES_SAMPLER_ARG, traceUrlTemplate: c.GEOPULSE_TRACE_URL_TEMPLATE };
}

/**
 * GEOPULSE_TRACE_URL_TEMPLATE for a service's own trace-link default. An invalid value reads as
 * unset here: tracingSettings reports it (once) as part of every service's platform config.
 */
export function sharedTraceUrlTemplate(source: EnvSource): string | undefined {
  try {
    return loadEnv({ GEOPULSE_TRACE_URL_TEMPLATE: tracingEnv.GEOPULSE_TRACE_URL_TEMPLATE }, source).GEOPULSE_TRACE_URL_TEMPLATE;
  } catch {
    return undefined;
  }
}

export interface DynamoSettings {
  endpoint?: string;
  tablePrefix: string;
  region: string;
}

export function dynamoSettings(source: EnvSource): DynamoSettings {
  const c = loadEnv(dynamoEnv, source);
  return { endpoint: c.DYNAMODB_ENDPOINT, tablePrefix: c.DYNAMODB_TABLE_PREFIX, region: c.AWS_REGION };
}

/**
 * Runs every group's parser and throws one ConfigError with all problems, so an operator
 * sees every missing or wrong variable in one start, not one per restart.
 */
export function collectConfig<T extends object>(parts: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = [];
  const result: Partial<T> = {};
  for (const key of Object.keys(parts) as Array<keyof T>) {
    try {
      result[key] = parts[key]();
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as T;
}

/** For main.ts: load config or print every problem, one line each, and exit 1. */
export function loadOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`geopulse-${service}: config error: ${problem}\n`);
      process.exit(1);
    }
    throw err;
  }
}

export type HttpSettings = ReturnType<typeof loadEnv<ReturnType<typeof httpEnv>>>;

/** What every service reads: HTTP, Kafka, operator auth, tracing, and Redis when it uses it. */
export interface PlatformConfig {
  http: HttpSettings;
  kafka: KafkaSettings;
  auth: OperatorAuthSettings;
  tracing: TracingSettings;
  /** Set when the service was declared with `redis: true` (then required). */
  redisUrl?: string;
}

/**
 * The platform part of a service's config plus its own groups (`extra`), parsed together so
 * that every problem of every group is reported in one start.
 */
export function platformConfig<E extends object = object>(
  source: EnvSource,
  options: { defaultPort: number; redis: boolean },
  extra: { [K in keyof E]: () => E[K] } = {} as { [K in keyof E]: () => E[K] },
): PlatformConfig & E {
  const parts = {
    http: () => loadEnv(httpEnv(options.defaultPort), source),
    kafka: () => kafkaSettings(source),
    auth: () => operatorAuthSettings(source),
    tracing: () => tracingSettings(source),
    ...(options.redis ? { redisUrl: () => loadEnv(redisEnv, source).REDIS_URL } : {}),
    ...extra,
  };
  return collectConfig<PlatformConfig & E>(parts as { [K in keyof (PlatformConfig & E)]: () => (PlatformConfig & E)[K] });
}
