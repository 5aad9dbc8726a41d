import { loadOrExit, platformConfig, type EnvSource, type PlatformConfig } from '@geopulse/config';

export type AggregatorConfig = PlatformConfig & { redisUrl: string };

export function parseAggregatorConfig(source: EnvSource): AggregatorConfig {
  return platformConfig(source, { defaultPort: 3002, redis: true }) as AggregatorConfig;
}

export const loadAggregatorConfig = (): AggregatorConfig => loadOrExit('aggregator', () => parseAggregatorConfig(process.env));
