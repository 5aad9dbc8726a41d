import {
  collectConfig,
  httpEnv,
  kafkaSettings,
  loadEnv,
  loadOrExit,
  operatorAuthSettings,
  redisEnv,
  tracingSettings,
  type EnvSource,
  type KafkaSettings,
  type OperatorAuthSettings,
  type TracingSettings,
} from '@geopulse/config';

export interface AggregatorConfig {
  http: ReturnType<typeof loadEnv<ReturnType<typeof httpEnv>>>;
  redisUrl: string;
  kafka: KafkaSettings;
  auth: OperatorAuthSettings;
  tracing: TracingSettings;
}

export function parseAggregatorConfig(source: EnvSource): AggregatorConfig {
  return collectConfig<AggregatorConfig>({
    http: () => loadEnv(httpEnv(3002), source),
    redisUrl: () => loadEnv(redisEnv, source).REDIS_URL,
    kafka: () => kafkaSettings(source),
    auth: () => operatorAuthSettings(source),
    tracing: () => tracingSettings(source),
  });
}

export const loadAggregatorConfig = (): AggregatorConfig => loadOrExit('aggregator', () => parseAggregatorConfig(process.env));
