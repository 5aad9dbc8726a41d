import { loadOrExit, platformConfig, type EnvSource, type PlatformConfig } from '@geopulse/config';

export type NotifierConfig = PlatformConfig & { redisUrl: string };

export function parseNotifierConfig(source: EnvSource): NotifierConfig {
  return platformConfig(source, { defaultPort: 3005, redis: true }) as NotifierConfig;
}

export const loadNotifierConfig = (): NotifierConfig => loadOrExit('notifier', () => parseNotifierConfig(process.env));
