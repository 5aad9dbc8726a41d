import { ConfigError, dynamoSettings, env, loadEnv, loadOrExit, platformConfig, type DynamoSettings, type EnvSource, type PlatformConfig } from '@geopulse/config';

/** Lateness when unset: as far back as the history TTL (30 days by default, what ingest accepts). */
const DEFAULT_LATENESS_SECONDS = 30 * 86_400;

/** Replaced by a per-device setting (decision 0204): set, it stops the service instead of being ignored. */
const RETIRED = { AGGREGATOR_IDLE_PARTITION_SECONDS: 'AGGREGATOR_DEVICE_IDLE_SECONDS (windows close per device now, decision 0204)' };

/** The aggregator's own variables (on top of the platform's). */
export const aggregatorEnv = {
  AGGREGATOR_SILENT_HORIZON_SECONDS: env.int('seconds after its newest event time a silent device leaves the geo index and its state expires', {
    default: 86_400,
    min: 1,
  }),
  AGGREGATOR_WINDOW_SECONDS: env.int('tumbling window size in seconds', { default: 60, min: 1, max: 86_400 }),
  AGGREGATOR_OUT_OF_ORDERNESS_SECONDS: env.int("how far past a window's end a device's own event time must go before the window closes (seconds)", {
    default: 0,
    min: 0,
    max: 86_400,
  }),
  AGGREGATOR_ALLOWED_LATENESS_SECONDS: env.int("how far behind its device's own event time a reading may be and still revise its window (seconds; default: the history TTL)", {
    default: DEFAULT_LATENESS_SECONDS,
    min: 0,
  }),
  AGGREGATOR_DEVICE_IDLE_SECONDS: env.int("seconds of wall-clock silence after which a device's open windows close", { default: 30, min: 1 }),
  AGGREGATOR_HISTORY_TTL_DAYS: env.number('days readings and aggregates stay in DynamoDB after their event time', { default: 30, min: 0.0001 }),
  AGGREGATOR_HISTORY_WRITE_CONCURRENCY: env.int('DynamoDB BatchWriteItem requests for raw history in flight at once (the history group; bounded so it cannot starve the live path)', {
    default: 2,
    min: 1,
    max: 64,
  }),
  AGGREGATOR_HISTORY_QUERY_PAGE_ITEMS: env.int('items per DynamoDB Query request behind a history page', { default: 1000, min: 1, max: 1000 }),
};

export interface AggregatorSettings {
  silentHorizonMs: number;
  windowMs: number;
  outOfOrdernessMs: number;
  allowedLatenessMs: number;
  deviceIdleMs: number;
  historyTtlSeconds: number;
  historyQueryPageItems: number;
  historyWriteConcurrency: number;
}

export function aggregatorSettings(source: EnvSource): AggregatorSettings {
  const c = loadEnv(aggregatorEnv, source);
  const historyTtlSeconds = Math.round(c.AGGREGATOR_HISTORY_TTL_DAYS * 86_400);
  const latenessSet = source.AGGREGATOR_ALLOWED_LATENESS_SECONDS !== undefined;
  const latenessSeconds = latenessSet ? c.AGGREGATOR_ALLOWED_LATENESS_SECONDS : Math.min(DEFAULT_LATENESS_SECONDS, historyTtlSeconds);
  const problems: string[] = [];
  for (const [name, replacement] of Object.entries(RETIRED)) {
    if (source[name] !== undefined) problems.push(`${name} is no longer read: use ${replacement}`);
  }
  if (latenessSeconds > historyTtlSeconds) {
    problems.push(
      `AGGREGATOR_ALLOWED_LATENESS_SECONDS is invalid (${latenessSeconds} > AGGREGATOR_HISTORY_TTL_DAYS in seconds, ${historyTtlSeconds}): a revision continues from the archived window, which must not have expired`,
    );
  }
  if (c.AGGREGATOR_OUT_OF_ORDERNESS_SECONDS > latenessSeconds) {
    problems.push(`AGGREGATOR_OUT_OF_ORDERNESS_SECONDS is invalid (${c.AGGREGATOR_OUT_OF_ORDERNESS_SECONDS} > AGGREGATOR_ALLOWED_LATENESS_SECONDS ${latenessSeconds}): readings would be too late before their window closed`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    silentHorizonMs: c.AGGREGATOR_SILENT_HORIZON_SECONDS * 1000,
    windowMs: c.AGGREGATOR_WINDOW_SECONDS * 1000,
    outOfOrdernessMs: c.AGGREGATOR_OUT_OF_ORDERNESS_SECONDS * 1000,
    allowedLatenessMs: latenessSeconds * 1000,
    deviceIdleMs: c.AGGREGATOR_DEVICE_IDLE_SECONDS * 1000,
    historyTtlSeconds,
    historyQueryPageItems: c.AGGREGATOR_HISTORY_QUERY_PAGE_ITEMS,
    historyWriteConcurrency: c.AGGREGATOR_HISTORY_WRITE_CONCURRENCY,
  };
}

export type AggregatorConfig = PlatformConfig & { redisUrl: string; dynamo: DynamoSettings; aggregator: AggregatorSettings };

export function parseAggregatorConfig(source: EnvSource): AggregatorConfig {
  return platformConfig<{ dynamo: DynamoSettings; aggregator: AggregatorSettings }>(source, { defaultPort: 3002, redis: true }, {
    dynamo: () => dynamoSettings(source),
    aggregator: () => aggregatorSettings(source),
  }) as AggregatorConfig;
}

export const loadAggregatorConfig = (): AggregatorConfig => loadOrExit('aggregator', () => parseAggregatorConfig(process.env));
