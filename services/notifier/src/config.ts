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

export interface NotifierConfig {
  http: ReturnType<typeof loadEnv<ReturnType<typeof httpEnv>>>;
  redisUrl: string;
  kafka: KafkaSettings;
  auth: OperatorAuthSettings;
  tracing: TracingSettings;
}

export function parseNotifierConfig(source: EnvSource): NotifierConfig {
  return collectConfig<NotifierConfig>({
    http: () => loadEnv(httpEnv(3005), source),
    redisUrl: () => loadEnv(redisEnv, source).REDIS_URL,
    kafka: () => kafkaSettings(source),
    auth: () => operatorAuthSettings(source),
    tracing: () => tracingSettings(source),
  });
}

export const loadNotifierConfig = (): NotifierConfig => loadOrExit('notifier', () => parseNotifierConfig(process.env));
