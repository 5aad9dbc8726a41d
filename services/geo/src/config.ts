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
  GEO_FORECAST_MAX_HORIZON_MINUTES: env.int('longest forecast horizon a request may ask for (minutes)', { default: 720, min: 1, max: 10_080 }),
  GEO_FORECAST_MAX_DEVICES: env.int('devices per forecast request (deviceIds)', { default: 100, min: 1, max: 10_000 }),
  GEO_FORECAST_IDLE_SPEED_MPS: env.number('below this speed (m/s) a device is STATIONARY in a forecast', { default: 0.5, min: 0, max: 100 }),
  GEO_FORECAST_TRACK_WINDOW_SECONDS: env.int('fixes older than this before the newest are not used for speed and heading (seconds)', { default: 600, min: 1, max: 86_400 }),
  GEO_REPORT_MAX_DAYS: env.int('longest range of a days-in-zone report (days)', { default: 366, min: 1, max: 3660 }),
  GEO_REPORT_LOOKBACK_DAYS: env.int('how long before a report range a visit open at its start may have begun (days); older open visits come from the live state', { default: 31, min: 0, max: 3660 }),
  GEO_REPORT_MAX_TRANSITIONS: env.int('transitions one report may read (past it: 422 REPORT_TOO_LARGE)', { default: 200_000, min: 1 }),
  GEO_TRANSITION_RETENTION_DAYS: env.int('how long the transition log keeps ENTER / EXIT (DynamoDB TTL, days)', { default: 400, min: 1, max: 3660 }),
};

export interface GeoSettings {
  minHysteresisMeters: number;
  maxVertices: number;
  reconcileMs: number;
  dwellScanMs: number;
  maxImportFeatures: number;
  maxFencesPerTenant: number;
  maxBodyBytes: number;
  forecast: { maxHorizonMinutes: number; maxDevices: number; idleSpeedMps: number; trackWindowMs: number };
  report: { maxRangeDays: number; lookbackDays: number; maxTransitions: number; retentionMs: number };
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
    forecast: {
      maxHorizonMinutes: c.GEO_FORECAST_MAX_HORIZON_MINUTES,
      maxDevices: c.GEO_FORECAST_MAX_DEVICES,
      idleSpeedMps: c.GEO_FORECAST_IDLE_SPEED_MPS,
      trackWindowMs: c.GEO_FORECAST_TRACK_WINDOW_SECONDS * 1000,
    },
    report: {
      maxRangeDays: c.GEO_REPORT_MAX_DAYS,
      lookbackDays: c.GEO_REPORT_LOOKBACK_DAYS,
      maxTransitions: c.GEO_REPORT_MAX_TRANSITIONS,
      retentionMs: c.GEO_TRANSITION_RETENTION_DAYS * 86_400_000,
    },
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
