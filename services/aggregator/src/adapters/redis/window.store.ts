import { tenantKey, type RedisClient } from '@geopulse/redis';
import { WindowConflictError, type DueWindow, type PartitionRef, type WindowStore } from '../../application/aggregate-windows';
import { NO_WATERMARK, type StoredWatermark, type WatermarkMark } from '../../domain/partition-watermark';
import { deviceKey, type DeviceWindowUpdate, type StoredDeviceWindows, type StoredWindow } from '../../domain/window-batch';
import type { WindowState } from '../../domain/window-accumulator';

/**
 * Window state in Redis. Per tenant (one `{tenant}` slot, so each script is Cluster safe):
 * - `device:<id>:windows` hash: `off` = `<partition>:<offset>` last applied, `w:<start>` the
 *   window's JSON, `e:<start>` the last emitted revision;
 * - `windows:pending:<topic>:<partition>` zset of `<deviceId>|<start>` by window end: changed
 *   since last emitted;
 * - `windows:open:<topic>:<partition>` zset, same members: every window still kept.
 * Per partition (its own slot `{agg:<topic>:<partition>}`): the watermark hash and the set of
 * tenants with windows on the partition (written before their windows, so it never misses one).
 */
const APPLY_WINDOWS = `
local cur = redis.call('HGET', KEYS[1], 'off') or ''
if cur ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'off', ARGV[2])
for i = 5, #ARGV, 3 do
  redis.call('HSET', KEYS[1], 'w:' .. ARGV[i], ARGV[i + 2])
  local member = ARGV[4] .. '|' .. ARGV[i]
  redis.call('ZADD', KEYS[2], ARGV[i + 1], member)
  redis.call('ZADD', KEYS[3], ARGV[i + 1], member)
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

interface WindowCommands {
  gpApplyWindows(windowsKey: string, pendingKey: string, openKey: string, ...args: Array<string | number>): Promise<number>;
}

const windowsKey = (tenantId: string, deviceId: string) => tenantKey(tenantId, 'device', deviceId, 'windows');
const pendingKey = (tenantId: string, ref: PartitionRef) => tenantKey(tenantId, 'windows', 'pending', ref.topic, String(ref.partition));
const openKey = (tenantId: string, ref: PartitionRef) => tenantKey(tenantId, 'windows', 'open', ref.topic, String(ref.partition));
const partitionKey = (ref: PartitionRef, what: string) => `gp:{agg:${ref.topic}:${ref.partition}}:${what}`;

function parseMember(member: string): { deviceId: string; start: number } {
  const bar = member.lastIndexOf('|');
  return { deviceId: member.slice(0, bar), start: Number(member.slice(bar + 1)) };
}

function checked<T>(results: Array<[Error | null, unknown]> | null): T[] {
  return (results ?? []).map(([err, value]) => {
    if (err) throw err;
    return value as T;
  });
}

export class RedisWindowStore implements WindowStore {
  constructor(
    private readonly redis: RedisClient,
    /** How long a device's window hash lives after its last change. */
    private readonly retentionMs: number,
  ) {
    redis.defineCommand('gpApplyWindows', { numberOfKeys: 3, lua: APPLY_WINDOWS });
  }

  async loadWatermark(ref: PartitionRef): Promise<StoredWatermark> {
    const h = await this.redis.hgetall(partitionKey(ref, 'watermark'));
    if (h.poff === undefined) return NO_WATERMARK;
    const mark = (wm: string | undefined, off: string | undefined): WatermarkMark => ({ watermark: wm ? Number(wm) : null, offset: Number(off ?? -1) });
    return { confirmed: mark(h.cwm, h.coff), provisional: mark(h.pwm, h.poff) };
  }

  async saveWatermark(ref: PartitionRef, stored: StoredWatermark): Promise<void> {
    await this.redis.hset(partitionKey(ref, 'watermark'), {
      cwm: stored.confirmed.watermark ?? '',
      coff: stored.confirmed.offset,
      pwm: stored.provisional.watermark ?? '',
      poff: stored.provisional.offset,
    });
  }

  async loadDevices(ref: PartitionRef, devices: ReadonlyArray<{ tenantId: string; deviceId: string }>): Promise<Map<string, StoredDeviceWindows>> {
    const pipeline = this.redis.pipeline();
    for (const d of devices) pipeline.hgetall(windowsKey(d.tenantId, d.deviceId));
    const hashes = checked<Record<string, string>>(await pipeline.exec());
    const out = new Map<string, StoredDeviceWindows>();
    devices.forEach((d, i) => {
      const h = hashes[i];
      const [partition, offset] = (h.off ?? '').split(':');
      const windows = new Map<number, StoredWindow>();
      for (const [field, value] of Object.entries(h)) {
        if (!field.startsWith('w:')) continue;
        const start = Number(field.slice(2));
        const emitted = h[`e:${start}`];
        windows.set(start, { state: JSON.parse(value) as WindowState, ...(emitted !== undefined ? { emittedRevision: Number(emitted) } : {}) });
      }
      out.set(deviceKey(d.tenantId, d.deviceId), {
        appliedOffset: h.off !== undefined && Number(partition) === ref.partition ? Number(offset) : -1,
        windows,
        version: h.off ?? '',
      });
    });
    return out;
  }

  async applyUpdates(ref: PartitionRef, updates: readonly DeviceWindowUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const tenants = [...new Set(updates.map((u) => u.tenantId))];
    await this.redis.sadd(partitionKey(ref, 'tenants'), ...tenants);
    const pipeline = this.redis.pipeline();
    const commands = pipeline as unknown as WindowCommands;
    for (const u of updates) {
      const args: Array<string | number> = [u.expectedVersion ?? '', `${ref.partition}:${u.appliedOffset}`, this.retentionMs, u.deviceId];
      for (const w of u.windows) args.push(w.start, w.end, JSON.stringify(w));
      void commands.gpApplyWindows(windowsKey(u.tenantId, u.deviceId), pendingKey(u.tenantId, ref), openKey(u.tenantId, ref), ...args);
    }
    const results = checked<number>(await pipeline.exec());
    const conflicts = updates.filter((_, i) => results[i] !== 1).map((u) => `${u.tenantId}/${u.deviceId}`);
    if (conflicts.length > 0) throw new WindowConflictError(conflicts);
  }

  private async tenants(ref: PartitionRef): Promise<string[]> {
    return this.redis.smembers(partitionKey(ref, 'tenants'));
  }

  async dueWindows(ref: PartitionRef, watermark: number): Promise<DueWindow[]> {
    const tenants = await this.tenants(ref);
    if (tenants.length === 0) return [];
    const ranges = this.redis.pipeline();
    for (const t of tenants) ranges.zrangebyscore(pendingKey(t, ref), '-inf', watermark);
    const members = checked<string[]>(await ranges.exec());
    const wanted = tenants.flatMap((tenantId, i) => members[i].map((m) => ({ tenantId, ...parseMember(m) })));
    if (wanted.length === 0) return [];
    const reads = this.redis.pipeline();
    for (const w of wanted) reads.hget(windowsKey(w.tenantId, w.deviceId), `w:${w.start}`);
    const states = checked<string | null>(await reads.exec());
    const due: DueWindow[] = [];
    wanted.forEach((w, i) => {
      const json = states[i];
      if (json) due.push({ tenantId: w.tenantId, deviceId: w.deviceId, state: JSON.parse(json) as WindowState });
    });
    // Pending members whose window hash expired have nothing to emit; forget them.
    const gone = wanted.filter((_, i) => !states[i]);
    if (gone.length > 0) {
      const cleanup = this.redis.pipeline();
      for (const w of gone) cleanup.zrem(pendingKey(w.tenantId, ref), `${w.deviceId}|${w.start}`);
      checked(await cleanup.exec());
    }
    return due;
  }

  async markEmitted(ref: PartitionRef, windows: readonly DueWindow[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const w of windows) {
      pipeline.hset(windowsKey(w.tenantId, w.deviceId), `e:${w.state.start}`, w.state.revision);
      pipeline.zrem(pendingKey(w.tenantId, ref), `${w.deviceId}|${w.state.start}`);
    }
    checked(await pipeline.exec());
  }

  async dropFinished(ref: PartitionRef, end: number): Promise<void> {
    const tenants = await this.tenants(ref);
    if (tenants.length === 0) return;
    const ranges = this.redis.pipeline();
    for (const t of tenants) ranges.zrangebyscore(openKey(t, ref), '-inf', end);
    const members = checked<string[]>(await ranges.exec());
    const drop = this.redis.pipeline();
    let any = false;
    tenants.forEach((t, i) => {
      for (const m of members[i]) {
        const { deviceId, start } = parseMember(m);
        drop.hdel(windowsKey(t, deviceId), `w:${start}`, `e:${start}`);
        drop.zrem(openKey(t, ref), m);
        drop.zrem(pendingKey(t, ref), m);
        any = true;
      }
    });
    if (any) checked(await drop.exec());
    // Tenants without kept windows on this partition leave its set.
    const counts = this.redis.pipeline();
    for (const t of tenants) counts.zcard(openKey(t, ref));
    const sizes = checked<number>(await counts.exec());
    const idle = tenants.filter((_, i) => sizes[i] === 0);
    if (idle.length > 0) await this.redis.srem(partitionKey(ref, 'tenants'), ...idle);
  }
}
