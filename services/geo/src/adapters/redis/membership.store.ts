import { tenantKey, type RedisClient } from '@geopulse/redis';
import type { DeviceGeoState } from '../../domain/membership';
import type { DeviceRef, DueDwell, MembershipStore } from '../../application/ports';

/**
 * Per tenant (keys carry the `{tenantId}` hash tag, so the save script is Redis Cluster safe):
 * - `geo:device:<id>` hash: `ts` (last applied event time, ms) and `state` (JSON visits and
 *   last position); expires 30 days after the last write (ingest refuses older readings);
 * - `geo:fence:<id>:visitors` hash: deviceId -> telemetry partition, for fence deletions.
 * Per telemetry partition (its own hash tag: the partition's owner scans it, across tenants):
 * - `gp:{geo-dwell:<topic>:<partition>}:due` sorted set of DWELL timers by due time.
 */
const SAVE = `
local cur = redis.call('HGET', KEYS[1], 'ts')
if (cur or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'ts', ARGV[2], 'state', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
local added = tonumber(ARGV[4])
for i = 2, #KEYS do
  if i - 1 <= added then redis.call('HSET', KEYS[i], ARGV[5], ARGV[6]) else redis.call('HDEL', KEYS[i], ARGV[5]) end
end
return 1
`;

const STATE_TTL_MS = 30 * 86_400_000;

interface GeoCommands {
  gpGeoSave(numKeys: number, ...args: Array<string | number>): Promise<number>;
}

export const deviceKey = (tenantId: string, deviceId: string) => tenantKey(tenantId, 'geo', 'device', deviceId);
export const visitorsKey = (tenantId: string, fenceId: string) => tenantKey(tenantId, 'geo', 'fence', fenceId, 'visitors');

type DwellMember = [string, string, string, number];

export class RedisMembershipStore implements MembershipStore {
  constructor(
    private readonly redis: RedisClient,
    /** The telemetry topic's full name: timers are per partition of it. */
    private readonly telemetryTopic: string,
  ) {
    redis.defineCommand('gpGeoSave', { lua: SAVE });
  }

  private dwellKey(partition: number): string {
    return `gp:{geo-dwell:${this.telemetryTopic}:${partition}}:due`;
  }

  async load(tenantId: string, deviceIds: readonly string[]): Promise<Map<string, DeviceGeoState>> {
    const out = new Map<string, DeviceGeoState>();
    if (deviceIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const id of deviceIds) pipeline.hget(deviceKey(tenantId, id), 'state');
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([err, value], i) => {
      if (err) throw err;
      if (typeof value === 'string') out.set(deviceIds[i], JSON.parse(value) as DeviceGeoState);
    });
    return out;
  }

  async save(device: DeviceRef, previous: DeviceGeoState | undefined, next: DeviceGeoState): Promise<boolean> {
    const before = previous?.visits ?? {};
    const added = Object.keys(next.visits).filter((f) => !before[f]);
    const removed = Object.keys(before).filter((f) => !next.visits[f]);
    const pendingBefore = (f: string) => before[f]?.dwellAt !== undefined && !before[f].dwelled;
    const pendingAfter = (f: string) => next.visits[f]?.dwellAt !== undefined && !next.visits[f].dwelled;
    const member = (f: string, dwellAt: number) => JSON.stringify([device.tenantId, device.deviceId, f, dwellAt] satisfies DwellMember);
    const key = this.dwellKey(device.partition);
    // Timers first: a timer without a visit is dropped when it fires; a visit without its
    // timer would never DWELL. The score is the wall-clock time the DWELL is due if the device
    // sends nothing more (see deviceTimeAt); newer readings can only bring it closer (LT).
    const wallDue = (f: string) => next.appliedAt + (next.visits[f].dwellAt! - next.lastTs);
    const pending = Object.keys(next.visits).filter(pendingAfter);
    if (pending.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const f of pending) {
        if (pendingBefore(f)) pipeline.zadd(key, 'LT', wallDue(f), member(f, next.visits[f].dwellAt!));
        else pipeline.zadd(key, wallDue(f), member(f, next.visits[f].dwellAt!));
      }
      for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
    }
    const keys = [deviceKey(device.tenantId, device.deviceId), ...added.map((f) => visitorsKey(device.tenantId, f)), ...removed.map((f) => visitorsKey(device.tenantId, f))];
    const ok = await (this.redis as unknown as GeoCommands).gpGeoSave(
      keys.length,
      ...keys,
      previous ? String(previous.lastTs) : '',
      String(next.lastTs),
      JSON.stringify(next),
      added.length,
      device.deviceId,
      device.partition,
      STATE_TTL_MS,
    );
    if (ok !== 1) return false;
    const cancel = Object.keys(before).filter((f) => pendingBefore(f) && !pendingAfter(f));
    if (cancel.length > 0) await this.redis.zrem(key, ...cancel.map((f) => member(f, before[f].dwellAt!)));
    return true;
  }

  async visitors(tenantId: string, fenceId: string): Promise<DeviceRef[]> {
    const all = await this.redis.hgetall(visitorsKey(tenantId, fenceId));
    return Object.entries(all).map(([deviceId, partition]) => ({ tenantId, deviceId, partition: Number(partition) }));
  }

  async dueDwells(partitions: readonly number[], now: number, limit: number): Promise<DueDwell[]> {
    const pipeline = this.redis.pipeline();
    for (const p of partitions) pipeline.zrangebyscore(this.dwellKey(p), '-inf', now, 'LIMIT', 0, limit);
    const results = (await pipeline.exec()) ?? [];
    const out: DueDwell[] = [];
    results.forEach(([err, members], i) => {
      if (err) throw err;
      for (const m of members as string[]) {
        const [tenantId, deviceId, fenceId, dwellAt] = JSON.parse(m) as DwellMember;
        out.push({ tenantId, deviceId, fenceId, dwellAt, partition: partitions[i] });
      }
    });
    return out;
  }

  async postponeDwells(dwells: ReadonlyArray<{ dwell: DueDwell; at: number }>): Promise<void> {
    if (dwells.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { dwell: d, at } of dwells) pipeline.zadd(this.dwellKey(d.partition), 'XX', at, JSON.stringify([d.tenantId, d.deviceId, d.fenceId, d.dwellAt] satisfies DwellMember));
    await pipeline.exec();
  }

  async clearDwells(dwells: readonly DueDwell[]): Promise<void> {
    if (dwells.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const d of dwells) pipeline.zrem(this.dwellKey(d.partition), JSON.stringify([d.tenantId, d.deviceId, d.fenceId, d.dwellAt] satisfies DwellMember));
    await pipeline.exec();
  }
}
