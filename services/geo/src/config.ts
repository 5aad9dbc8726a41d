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

export interface GeoConfig {
  http: ReturnType<typeof loadEnv<ReturnType<typeof httpEnv>>>;
  redisUrl: string;
  kafka: KafkaSettings;
  auth: OperatorAuthSettings;
  tracing: TracingSettings;
}

export function parseGeoConfig(source: EnvSource): GeoConfig {
  return collectConfig<GeoConfig>({
    http: () => loadEnv(httpEnv(3004), source),
    redisUrl: () => loadEnv(redisEnv, source).REDIS_URL,
    kafka: () => kafkaSettings(source),
    auth: () => operatorAuthSettings(source),
    tracing: () => tracingSettings(source),
  });
}

export const loadGeoConfig = (): GeoConfig => loadOrExit('geo', () => parseGeoConfig(process.env));
