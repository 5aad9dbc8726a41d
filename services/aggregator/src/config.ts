import { dynamoSettings, env, loadEnv, loadOrExit, platformConfig, type DynamoSettings, type EnvSource, type PlatformConfig } from '@geopulse/config';

/** The aggregator's own variables (on top of the platform's). */
export const aggregatorEnv = {
  AGGREGATOR_SILENT_HORIZON_SECONDS: env.int('seconds after its newest event time a silent device leaves the geo index and its state expires', {
    default: 86_400,
    min: 1,
  }),
  AGGREGATOR_WINDOW_SECONDS: env.int('tumbling window size in seconds', { default: 60, min: 1, max: 86_400 }),
  AGGREGATOR_ALLOWED_LATENESS_SECONDS: env.int('how long after a window closed a late reading still revises it (seconds)', {
    default: 60,
    min: 0,
    max: 7 * 86_400,
  }),
  AGGREGATOR_IDLE_PARTITION_SECONDS: env.int('seconds without records after which a partition watermark advances with the clock', {
    default: 30,
    min: 1,
  }),
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
  allowedLatenessMs: number;
  idlePartitionMs: number;
  historyTtlSeconds: number;
  historyQueryPageItems: number;
  historyWriteConcurrency: number;
}

export function aggregatorSettings(source: EnvSource): AggregatorSettings {
  const c = loadEnv(aggregatorEnv, source);
  return {
    silentHorizonMs: c.AGGREGATOR_SILENT_HORIZON_SECONDS * 1000,
    windowMs: c.AGGREGATOR_WINDOW_SECONDS * 1000,
    allowedLatenessMs: c.AGGREGATOR_ALLOWED_LATENESS_SECONDS * 1000,
    idlePartitionMs: c.AGGREGATOR_IDLE_PARTITION_SECONDS * 1000,
    historyTtlSeconds: Math.round(c.AGGREGATOR_HISTORY_TTL_DAYS * 86_400),
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
