import { loadOrExit, platformConfig, type EnvSource, type PlatformConfig } from '@geopulse/config';

export type GeoConfig = PlatformConfig & { redisUrl: string };

export function parseGeoConfig(source: EnvSource): GeoConfig {
  return platformConfig(source, { defaultPort: 3004, redis: true }) as GeoConfig;
}

export const loadGeoConfig = (): GeoConfig => loadOrExit('geo', () => parseGeoConfig(process.env));
