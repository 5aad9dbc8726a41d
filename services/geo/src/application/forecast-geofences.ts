import { ID_PATTERN, isRecord } from '@geopulse/contracts';
import { forecast, type CandidateFence, type ForecastSettings, type Motion } from '../domain/forecast';
import { targets, type GeofenceIssue } from '../domain/geofence';
import { GeofenceError } from '../domain/geofence-error';
import type { DeviceGeoState } from '../domain/membership';
import type { GeofenceCatalog } from './geofence-catalog';
import type { MembershipStore } from './ports';

export interface ForecastLimits {
  maxHorizonMinutes: number;
  maxDevices: number;
}

export interface ForecastRequest {
  deviceIds: string[];
  horizonMinutes: number;
  /** `deviceId` (one answer, 404 when unknown) rather than `deviceIds` (a list). */
  single: boolean;
}

interface Position {
  lat: number;
  lon: number;
}

export interface DeviceForecast {
  deviceId: string;
  horizonMinutes: number;
  /** The newest fix the forecast starts from. */
  from: { at: string; position: Position };
  motion: Motion;
  events: Array<{ type: string; geofenceId: string; geofenceName: string; at: string; etaSeconds: number; distanceMeters: number; position: Position }>;
}

export interface FleetForecast {
  horizonMinutes: number;
  items: DeviceForecast[];
  /** Devices with no position seen in this tenant. */
  notFound: string[];
}

const KEYS = new Set(['deviceId', 'deviceIds', 'horizonMinutes']);
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Checks a forecast body; every problem at once (GeofenceError INVALID_QUERY). */
export function parseForecastRequest(raw: unknown, limits: ForecastLimits): ForecastRequest {
  const issues: GeofenceIssue[] = [];
  if (!isRecord(raw)) throw new GeofenceError('INVALID_QUERY', 'a forecast request is a JSON object', [{ path: '', message: 'a JSON object with deviceId or deviceIds, and horizonMinutes' }]);
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) issues.push({ path: `/${key}`, message: 'unknown field' });
  const h = raw.horizonMinutes;
  if (typeof h !== 'number' || !Number.isFinite(h) || h <= 0 || h > limits.maxHorizonMinutes) issues.push({ path: '/horizonMinutes', message: `a number of minutes above 0 and at most ${limits.maxHorizonMinutes}` });
  let deviceIds: string[] = [];
  const single = raw.deviceId !== undefined;
  if (single === (raw.deviceIds !== undefined)) issues.push({ path: '/deviceId', message: 'give either deviceId or deviceIds' });
  else if (single) {
    if (typeof raw.deviceId !== 'string' || !ID_PATTERN.test(raw.deviceId)) issues.push({ path: '/deviceId', message: 'not a device id' });
    else deviceIds = [raw.deviceId];
  } else if (!Array.isArray(raw.deviceIds) || raw.deviceIds.length === 0 || raw.deviceIds.length > limits.maxDevices) {
    issues.push({ path: '/deviceIds', message: `an array of 1 to ${limits.maxDevices} device ids` });
  } else {
    raw.deviceIds.forEach((d: unknown, i: number) => (typeof d === 'string' && ID_PATTERN.test(d) ? deviceIds.push(d) : issues.push({ path: `/deviceIds/${i}`, message: 'not a device id' })));
    deviceIds = [...new Set(deviceIds)];
  }
  if (issues.length > 0) throw new GeofenceError('INVALID_QUERY', `${issues.length} problem(s) in the forecast request`, issues);
  return { deviceIds, horizonMinutes: h as number, single };
}

/**
 * `POST /v1/geofences/forecast`: each device's recent track (kept in its geo state by the
 * readings consumer) and the tenant's fences that target it -> the domain forecast.
 */
export class ForecastGeofences {
  constructor(
    private readonly catalog: GeofenceCatalog,
    private readonly store: MembershipStore,
    private readonly limits: ForecastLimits,
    private readonly settings: ForecastSettings,
  ) {}

  async execute(tenantId: string, body: unknown): Promise<DeviceForecast | FleetForecast> {
    const request = parseForecastRequest(body, this.limits);
    const states = await this.store.load(tenantId, request.deviceIds);
    const items: DeviceForecast[] = [];
    const notFound: string[] = [];
    for (const deviceId of request.deviceIds) {
      const state = states.get(deviceId);
      if (state) items.push(this.forecastOne(tenantId, deviceId, state, request.horizonMinutes));
      else notFound.push(deviceId);
    }
    if (!request.single) return { horizonMinutes: request.horizonMinutes, items, notFound };
    if (items.length === 0) throw new GeofenceError('DEVICE_NOT_FOUND', `no position seen for device ${request.deviceIds[0]}`);
    return items[0];
  }

  private forecastOne(tenantId: string, deviceId: string, state: DeviceGeoState, horizonMinutes: number): DeviceForecast {
    const index = this.catalog.index;
    const fences: CandidateFence[] = index
      .list(tenantId)
      .filter((fence) => targets(fence.target, deviceId, state.tags))
      .map((fence) => ({ fence, shape: index.shapeOf(tenantId, fence.id)! }));
    // States written before tracks were kept have only their last position.
    const track = state.track && state.track.length > 0 ? state.track : [{ ts: state.lastTs, lat: state.position.lat, lon: state.position.lon }];
    const result = forecast(track, fences, horizonMinutes * 60, this.settings);
    const newest = track[track.length - 1];
    const motion: Motion = { ...result.motion };
    if (motion.speedMps !== undefined) motion.speedMps = round(motion.speedMps, 3);
    if (motion.headingDegrees !== undefined) motion.headingDegrees = round(motion.headingDegrees, 2);
    return {
      deviceId,
      horizonMinutes,
      from: { at: new Date(newest.ts).toISOString(), position: { lat: newest.lat, lon: newest.lon } },
      motion,
      events: result.events.map((e) => ({
        type: e.type,
        geofenceId: e.geofenceId,
        geofenceName: e.geofenceName,
        at: new Date(newest.ts + Math.round(e.etaSeconds * 1000)).toISOString(),
        etaSeconds: round(e.etaSeconds, 1),
        distanceMeters: round(e.distanceMeters, 1),
        position: { lat: round(e.position.lat, 7), lon: round(e.position.lon, 7) },
      })),
    };
  }
}
