import type { TelemetryReading } from '@geopulse/contracts';
import { tenantKey, type RedisClient } from '@geopulse/redis';
import type { ApplyOutcome, DeviceStateStore, LocatedDevice, NearbyQuery, WithinQuery } from '../../application/apply-readings';
import { coveringSearchBox, inBox } from '../../domain/geo-distance';
import { stateOf, type DeviceState } from '../../domain/latest-state';

/**
 * Per tenant (all keys carry the `{tenant}` hash tag, so every script is Redis Cluster safe):
 * - `device:<id>:state` hash (`ts`, `state`, `pos`), expiring at newest event time + horizon;
 * - `geo` GEO set of latest positions;
 * - `seen` sorted set of devices by newest event time (ms): the silent-device index.
 * One script does the compare-and-set on event time, the geo index, the last-seen time and
 * a bounded trim of devices silent past the horizon (ZRANGEBYSCORE, never a scan).
 */
const TRIM_SILENT = `
local silent = redis.call('ZRANGEBYSCORE', KEYS_SEEN, '-inf', '(' .. CUTOFF, 'LIMIT', 0, 500)
if #silent > 0 then
  redis.call('ZREM', KEYS_SEEN, unpack(silent))
  redis.call('ZREM', KEYS_GEO, unpack(silent))
end
`;

const EXTEND_EXPIRY = `
local function extend(key, at)
  local current = redis.call('PEXPIRETIME', key)
  if current == -1 or (current >= 0 and current < at) then redis.call('PEXPIREAT', key, at) end
end
`;

const APPLY_NEWEST = `
${EXTEND_EXPIRY}
local ts = tonumber(ARGV[1])
local horizon = tonumber(ARGV[8])
local cutoff = tonumber(ARGV[9]) - horizon
${TRIM_SILENT.replace(/KEYS_SEEN/g, 'KEYS[3]').replace(/KEYS_GEO/g, 'KEYS[2]').replace(/CUTOFF/g, 'cutoff')}
local cur = redis.call('HGET', KEYS[1], 'ts')
if cur and tonumber(cur) >= ts then return 0 end
if ts < cutoff then return 2 end
redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'state', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'pos', ARGV[3]) end
redis.call('PEXPIREAT', KEYS[1], ts + horizon)
if ARGV[7] == '1' then redis.call('GEOADD', KEYS[2], ARGV[4], ARGV[5], ARGV[6]) end
redis.call('ZADD', KEYS[3], ts, ARGV[6])
extend(KEYS[2], ts + horizon)
extend(KEYS[3], ts + horizon)
return 1
`;

const TRIM_ONLY = `
local cutoff = tonumber(ARGV[1])
${TRIM_SILENT.replace(/KEYS_SEEN/g, 'KEYS[1]').replace(/KEYS_GEO/g, 'KEYS[2]').replace(/CUTOFF/g, 'cutoff')}
return #silent
`;

/** Redis's geo index covers latitudes within ±85.05112878 (Web Mercator). */
const MAX_GEO_LAT = 85.05112878;

interface AggregatorCommands {
  gpApplyNewest(stateKey: string, geoKey: string, seenKey: string, ...args: Array<string | number>): Promise<number>;
  gpTrimSilent(seenKey: string, geoKey: string, cutoff: number): Promise<number>;
}

export const deviceStateKey = (tenantId: string, deviceId: string): string => tenantKey(tenantId, 'device', deviceId, 'state');
export const geoIndexKey = (tenantId: string): string => tenantKey(tenantId, 'geo');
export const lastSeenKey = (tenantId: string): string => tenantKey(tenantId, 'seen');

type GeoRow = [string, string, [string, string]];

export class RedisDeviceStateStore implements DeviceStateStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly silentHorizonMs: number,
  ) {
    redis.defineCommand('gpApplyNewest', { numberOfKeys: 3, lua: APPLY_NEWEST });
    redis.defineCommand('gpTrimSilent', { numberOfKeys: 2, lua: TRIM_ONLY });
  }

  async applyNewest(readings: readonly TelemetryReading[], now: number): Promise<ApplyOutcome> {
    const pipeline = this.redis.pipeline();
    const commands = pipeline as unknown as AggregatorCommands;
    for (const reading of readings) {
      const { lastPosition: _omit, ...state } = stateOf(reading);
      const position = reading.position;
      const inGeoRange = position !== undefined && Math.abs(position.lat) <= MAX_GEO_LAT;
      void commands.gpApplyNewest(
        deviceStateKey(reading.tenantId, reading.deviceId),
        geoIndexKey(reading.tenantId),
        lastSeenKey(reading.tenantId),
        Date.parse(reading.ts),
        JSON.stringify(state),
        position ? JSON.stringify({ ...position, ts: reading.ts }) : '',
        position?.lon ?? 0,
        position?.lat ?? 0,
        reading.deviceId,
        inGeoRange ? '1' : '0',
        this.silentHorizonMs,
        now,
      );
    }
    const results = (await pipeline.exec()) ?? [];
    const outcome: ApplyOutcome = { applied: 0, stale: 0, beyondHorizon: 0 };
    for (const [err, value] of results) {
      if (err) throw err;
      if (value === 1) outcome.applied++;
      else if (value === 2) outcome.beyondHorizon++;
      else outcome.stale++;
    }
    return outcome;
  }

  async get(tenantId: string, deviceId: string): Promise<DeviceState | undefined> {
    return parseState(await this.redis.hgetall(deviceStateKey(tenantId, deviceId)));
  }

  async nearby(tenantId: string, query: NearbyQuery, now: number): Promise<LocatedDevice[]> {
    const rows = await this.search(tenantId, now, ['FROMLONLAT', query.lon, query.lat, 'BYRADIUS', query.radiusMeters, 'm', 'ASC', 'COUNT', query.limit]);
    return this.withState(tenantId, rows, query.includeState);
  }

  async within(tenantId: string, query: WithinQuery, now: number): Promise<LocatedDevice[]> {
    const search = coveringSearchBox(query.box);
    // The covering box holds more than the bounding box, so COUNT cannot cut it: filter, then limit.
    const rows = await this.search(tenantId, now, ['FROMLONLAT', search.lon, search.lat, 'BYBOX', search.widthM, search.heightM, 'm', 'ASC']);
    const inside = rows.filter((row) => inBox(query.box, row)).slice(0, query.limit);
    return this.withState(tenantId, inside, query.includeState);
  }

  /** Trims silent devices first, then searches; only devices seen within the horizon answer. */
  private async search(tenantId: string, now: number, args: Array<string | number>): Promise<LocatedDevice[]> {
    const cutoff = now - this.silentHorizonMs;
    const geoKey = geoIndexKey(tenantId);
    await (this.redis as unknown as AggregatorCommands).gpTrimSilent(lastSeenKey(tenantId), geoKey, cutoff);
    const rows = (await this.redis.call('GEOSEARCH', geoKey, ...args, 'WITHDIST', 'WITHCOORD')) as GeoRow[];
    if (rows.length === 0) return [];
    const seen = (await this.redis.call('ZMSCORE', lastSeenKey(tenantId), ...rows.map((r) => r[0]))) as Array<string | null>;
    return rows
      .filter((_, i) => seen[i] !== null && Number(seen[i]) >= cutoff)
      .map(([deviceId, dist, [lon, lat]]) => ({ deviceId, distanceMeters: Number(dist), lon: Number(lon), lat: Number(lat) }));
  }

  private async withState(tenantId: string, devices: LocatedDevice[], includeState: boolean): Promise<LocatedDevice[]> {
    if (!includeState || devices.length === 0) return devices;
    const pipeline = this.redis.pipeline();
    for (const d of devices) pipeline.hgetall(deviceStateKey(tenantId, d.deviceId));
    const results = (await pipeline.exec()) ?? [];
    return devices.map((d, i) => {
      const [err, hash] = results[i];
      if (err) throw err;
      const state = parseState(hash as Record<string, string>);
      return state ? { ...d, state } : d;
    });
  }
}

function parseState(hash: Record<string, string>): DeviceState | undefined {
  if (!hash.state) return undefined;
  const state = JSON.parse(hash.state) as DeviceState;
  if (hash.pos) state.lastPosition = JSON.parse(hash.pos) as DeviceState['lastPosition'];
  return state;
}
