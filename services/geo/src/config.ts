import { dynamoSettings, env, loadEnv, loadOrExit, platformConfig, type DynamoSettings, type EnvSource, type PlatformConfig } from '@geopulse/config';

/** The geo service's own variables (on top of the platform's). */
export const geoEnv = {
  GEO_MIN_HYSTERESIS_METERS: env.number('smallest uncertainty band around a position, used when its accuracy is absent or smaller (metres)', {
    default: 5,
    min: 0,
    max: 10_000,
  }),
  GEO_MAX_VERTICES: env.int('positions across all rings of one fence', { default: 10_000, min: 4, max: 1_000_000 }),
  GEO_RECONCILE_SECONDS: env.int('how often every replica re-reads the geofence table to repair a missed change', { default: 30, min: 1 }),
  GEO_DWELL_SCAN_MS: env.int('how often the owner of a partition looks for due DWELL timers (ms)', { default: 1000, min: 50, max: 60_000 }),
  GEO_MAX_IMPORT_FEATURES: env.int('features per bulk import request', { default: 1000, min: 1, max: 100_000 }),
  GEO_MAX_FENCES_PER_TENANT: env.int('geofences one tenant may have (a create past it answers 409 TENANT_LIMIT_REACHED)', { default: 10_000, min: 1 }),
  GEO_MAX_BODY_BYTES: env.int('request body limit in bytes (fences and imports)', { default: 8 * 1024 * 1024, min: 1024 }),
};

export interface GeoSettings {
  minHysteresisMeters: number;
  maxVertices: number;
  reconcileMs: number;
  dwellScanMs: number;
  maxImportFeatures: number;
  maxFencesPerTenant: number;
  maxBodyBytes: number;
}

export function geoSettings(source: EnvSource): GeoSettings {
  const c = loadEnv(geoEnv, source);
  return {
    minHysteresisMeters: c.GEO_MIN_HYSTERESIS_METERS,
    maxVertices: c.GEO_MAX_VERTICES,
    reconcileMs: c.GEO_RECONCILE_SECONDS * 1000,
    dwellScanMs: c.GEO_DWELL_SCAN_MS,
    maxImportFeatures: c.GEO_MAX_IMPORT_FEATURES,
    maxFencesPerTenant: c.GEO_MAX_FENCES_PER_TENANT,
    maxBodyBytes: c.GEO_MAX_BODY_BYTES,
  };
}

export type GeoConfig = PlatformConfig & { redisUrl: string; dynamo: DynamoSettings; geo: GeoSettings };

export function parseGeoConfig(source: EnvSource): GeoConfig {
  return platformConfig<{ dynamo: DynamoSettings; geo: GeoSettings }>(source, { defaultPort: 3004, redis: true }, {
    dynamo: () => dynamoSettings(source),
    geo: () => geoSettings(source),
  }) as GeoConfig;
}

export const loadGeoConfig = (): GeoConfig => loadOrExit('geo', () => parseGeoConfig(process.env));
