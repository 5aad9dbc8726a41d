import { loadOrExit, platformConfig, type EnvSource, type PlatformConfig } from '@geopulse/config';

export type RulesConfig = PlatformConfig & { redisUrl: string };

export function parseRulesConfig(source: EnvSource): RulesConfig {
  return platformConfig(source, { defaultPort: 3003, redis: true }) as RulesConfig;
}

export const loadRulesConfig = (): RulesConfig => loadOrExit('rules', () => parseRulesConfig(process.env));
