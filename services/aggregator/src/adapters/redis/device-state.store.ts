import type { TelemetryReading } from '@geopulse/contracts';
import { tenantKey, type RedisClient } from '@geopulse/redis';
import type { DeviceStateStore, NearbyDevice, NearbyQuery } from '../../application/apply-readings';
import { stateOf, type DeviceState } from '../../domain/latest-state';

/**
 * Latest state in a hash per device (`ts`, `state`, `pos`) and a GEO set per tenant, updated
 * in one Lua script so the compare-and-set on event time and the geo index move together.
 * Both keys carry the tenant hash tag, so the script is Redis Cluster safe.
 */
const APPLY_NEWEST = `
local cur = redis.call('HGET', KEYS[1], 'ts')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'state', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'pos', ARGV[3])
  if ARGV[7] == '1' then redis.call('GEOADD', KEYS[2], ARGV[4], ARGV[5], ARGV[6]) end
end
return 1
`;

/** Redis's geo index covers latitudes within ±85.05112878 (Web Mercator). */
const MAX_GEO_LAT = 85.05112878;

interface ApplyNewestCommand {
  gpApplyNewest(stateKey: string, geoKey: string, ts: number, state: string, pos: string, lon: number, lat: number, member: string, geo: string): Promise<number>;
}

export const deviceStateKey = (tenantId: string, deviceId: string): string => tenantKey(tenantId, 'device', deviceId, 'state');
export const geoIndexKey = (tenantId: string): string => tenantKey(tenantId, 'geo');

export class RedisDeviceStateStore implements DeviceStateStore {
  constructor(private readonly redis: RedisClient) {
    redis.defineCommand('gpApplyNewest', { numberOfKeys: 2, lua: APPLY_NEWEST });
  }

  async applyNewest(readings: readonly TelemetryReading[]): Promise<number> {
    const pipeline = this.redis.pipeline();
    const commands = pipeline as unknown as ApplyNewestCommand;
    for (const reading of readings) {
      const { lastPosition: _omit, ...state } = stateOf(reading);
      const position = reading.position;
      const inGeoRange = position !== undefined && Math.abs(position.lat) <= MAX_GEO_LAT;
      void commands.gpApplyNewest(
        deviceStateKey(reading.tenantId, reading.deviceId),
        geoIndexKey(reading.tenantId),
        Date.parse(reading.ts),
        JSON.stringify(state),
        position ? JSON.stringify({ ...position, ts: reading.ts }) : '',
        position?.lon ?? 0,
        position?.lat ?? 0,
        reading.deviceId,
        inGeoRange ? '1' : '0',
      );
    }
    const results = (await pipeline.exec()) ?? [];
    let applied = 0;
    for (const [err, value] of results) {
      if (err) throw err;
      applied += Number(value);
    }
    return applied;
  }

  async get(tenantId: string, deviceId: string): Promise<DeviceState | undefined> {
    const hash = await this.redis.hgetall(deviceStateKey(tenantId, deviceId));
    if (!hash.state) return undefined;
    const state = JSON.parse(hash.state) as DeviceState;
    if (hash.pos) state.lastPosition = JSON.parse(hash.pos) as DeviceState['lastPosition'];
    return state;
  }

  async nearby(tenantId: string, query: NearbyQuery): Promise<NearbyDevice[]> {
    const rows = (await this.redis.geosearch(
      geoIndexKey(tenantId),
      'FROMLONLAT',
      query.lon,
      query.lat,
      'BYRADIUS',
      query.radiusMeters,
      'm',
      'ASC',
      'COUNT',
      query.limit,
      'WITHDIST',
      'WITHCOORD',
    )) as Array<[string, string, [string, string]]>;
    return rows.map(([deviceId, dist, [lon, lat]]) => ({
      deviceId,
      distanceMeters: Number(dist),
      lon: Number(lon),
      lat: Number(lat),
    }));
  }
}
