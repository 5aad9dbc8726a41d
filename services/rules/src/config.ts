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

export interface RulesConfig {
  http: ReturnType<typeof loadEnv<ReturnType<typeof httpEnv>>>;
  redisUrl: string;
  kafka: KafkaSettings;
  auth: OperatorAuthSettings;
  tracing: TracingSettings;
}

export function parseRulesConfig(source: EnvSource): RulesConfig {
  return collectConfig<RulesConfig>({
    http: () => loadEnv(httpEnv(3003), source),
    redisUrl: () => loadEnv(redisEnv, source).REDIS_URL,
    kafka: () => kafkaSettings(source),
    auth: () => operatorAuthSettings(source),
    tracing: () => tracingSettings(source),
  });
}

export const loadRulesConfig = (): RulesConfig => loadOrExit('rules', () => parseRulesConfig(process.env));
