import { pipelineReplies, tenantKey, type RedisClient } from '@geopulse/redis';
import { WindowConflictError, type DueWindow, type PartitionRef, type WindowStore } from '../../application/aggregate-windows';
import type { StoredProgress } from '../../domain/device-progress';
import { deviceKey, NO_DEVICE_WINDOWS, type DeviceWindowUpdate, type StoredDeviceWindows, type StoredWindow } from '../../domain/window-batch';
import type { WindowState } from '../../domain/window-accumulator';

/**
 * Live window state in Redis (docs/decisions/0204). Per tenant (one `{tenant}` slot, so each
 * script is Cluster safe):
 * - `device:<id>:windows` hash: `v` version (every write bumps it), `off` = `<partition>:<offset>`
 *   last applied, `p` = the device's progress marks `<confirmed ms>:<confirmed offset>:<provisional ms>`
 *   (the provisional offset is in `off`), `x` newest end of a window emitted and dropped,
 *   `w:<start>` each window not yet emitted and dropped (JSON). It expires with the device's
 *   silence horizon.
 * - `windows:pending:<topic>:<partition>` zset of `<deviceId>|<start>` scored by the wall-clock
 *   time the window is due if nothing changes it again (its device silent).
 * Per partition (its own slot `{agg:<topic>:<partition>}`): the set of tenants with pending
 * windows there (written before their windows, so it never misses one).
 */
const APPLY_WINDOWS = `
local cur = redis.call('HGET', KEYS[1], 'v') or ''
if cur ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('HSET', KEYS[1], 'off', ARGV[2], 'p', ARGV[3])
for i = 7, #ARGV, 2 do
  redis.call('HSET', KEYS[1], 'w:' .. ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6] .. '|' .. ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** Drops each sent window whose JSON is still what was sent; records the newest dropped end. */
const DROP_EMITTED = `
local dropped = tonumber(redis.call('HGET', KEYS[1], 'x') or '-1')
local changed = false
for i = 2, #ARGV, 3 do
  local field = 'w:' .. ARGV[i]
  if redis.call('HGET', KEYS[1], field) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], field)
    redis.call('ZREM', KEYS[2], ARGV[1] .. '|' .. ARGV[i])
    local e = tonumber(ARGV[i + 2])
    if e > dropped then dropped = e end
    changed = true
  end
end
if changed and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'x', dropped)
  redis.call('HINCRBY', KEYS[1], 'v', 1)
end
return 1
`;

interface WindowCommands {
  gpApplyWindows(windowsKey: string, pendingKey: string, ...args: Array<string | number>): Promise<number>;
  gpDropEmitted(windowsKey: string, pendingKey: string, ...args: Array<string | number>): Promise<number>;
}

const windowsKey = (tenantId: string, deviceId: string) => tenantKey(tenantId, 'device', deviceId, 'windows');
const pendingKey = (tenantId: string, ref: PartitionRef) => tenantKey(tenantId, 'windows', 'pending', ref.topic, String(ref.partition));
const partitionKey = (ref: PartitionRef, what: string) => `gp:{agg:${ref.topic}:${ref.partition}}:${what}`;

function parseMember(member: string): { deviceId: string; start: number } {
  const bar = member.lastIndexOf('|');
  return { deviceId: member.slice(0, bar), start: Number(member.slice(bar + 1)) };
}

const num = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s));

/** `p` field: `<confirmed event time>:<confirmed offset>:<provisional event time>` (empty for none). */
function encodeProgress(p: StoredProgress): string {
  return `${p.confirmed.eventTime ?? ''}:${p.confirmed.offset}:${p.provisional.eventTime ?? ''}`;
}

function decodeProgress(p: string | undefined, provisionalOffset: number): StoredProgress {
  if (p === undefined) return NO_DEVICE_WINDOWS.progress;
  const [ce, co, pe] = p.split(':');
  return { confirmed: { eventTime: num(ce), offset: Number(co) }, provisional: { eventTime: num(pe), offset: provisionalOffset } };
}

export class RedisWindowStore implements WindowStore {
  constructor(
    private readonly redis: RedisClient,
    /** How long a device's window hash lives after its last change (its silence horizon). */
    private readonly retentionMs: number,
  ) {
    redis.defineCommand('gpApplyWindows', { numberOfKeys: 2, lua: APPLY_WINDOWS });
    redis.defineCommand('gpDropEmitted', { numberOfKeys: 2, lua: DROP_EMITTED });
  }

  async loadDevices(ref: PartitionRef, devices: ReadonlyArray<{ tenantId: string; deviceId: string }>): Promise<Map<string, StoredDeviceWindows>> {
    const pipeline = this.redis.pipeline();
    for (const d of devices) pipeline.hgetall(windowsKey(d.tenantId, d.deviceId));
    const hashes = pipelineReplies<Record<string, string>>(await pipeline.exec());
    const out = new Map<string, StoredDeviceWindows>();
    devices.forEach((d, i) => {
      const h = hashes[i];
      const windows = new Map<number, StoredWindow>();
      for (const [field, value] of Object.entries(h)) {
        if (field.startsWith('w:')) windows.set(Number(field.slice(2)), { state: JSON.parse(value) as WindowState });
      }
      if (h.v === undefined) {
        out.set(deviceKey(d.tenantId, d.deviceId), { ...NO_DEVICE_WINDOWS, windows, version: '' });
        return;
      }
      const [partition, offset] = (h.off ?? '').split(':');
      const samePartition = h.off !== undefined && Number(partition) === ref.partition;
      // Offsets of another partition (the device's partition changed) say nothing here; its progress still holds.
      const progress = decodeProgress(h.p, samePartition ? Number(offset) : -1);
      out.set(deviceKey(d.tenantId, d.deviceId), {
        appliedOffset: samePartition ? Number(offset) : -1,
        progress: samePartition ? progress : { confirmed: { ...progress.provisional, offset: -1 }, provisional: { ...progress.provisional, offset: -1 } },
        windows,
        droppedUpTo: num(h.x) ?? -Infinity,
        version: h.v,
      });
    });
    return out;
  }

  async applyUpdates(ref: PartitionRef, updates: readonly DeviceWindowUpdate[], idleDeadline: number): Promise<void> {
    if (updates.length === 0) return;
    const tenants = [...new Set(updates.filter((u) => u.windows.length > 0).map((u) => u.tenantId))];
    if (tenants.length > 0) await this.redis.sadd(partitionKey(ref, 'tenants'), ...tenants);
    const pipeline = this.redis.pipeline();
    const commands = pipeline as unknown as WindowCommands;
    for (const u of updates) {
      const args: Array<string | number> = [u.expectedVersion ?? '', `${ref.partition}:${u.progress.provisional.offset}`, encodeProgress(u.progress), this.retentionMs, idleDeadline, u.deviceId];
      for (const w of u.windows) args.push(w.start, JSON.stringify(w));
      void commands.gpApplyWindows(windowsKey(u.tenantId, u.deviceId), pendingKey(u.tenantId, ref), ...args);
    }
    const results = pipelineReplies<number>(await pipeline.exec());
    const conflicts = updates.filter((_, i) => results[i] !== 1).map((u) => `${u.tenantId}/${u.deviceId}`);
    if (conflicts.length > 0) throw new WindowConflictError(conflicts);
  }

  async idleWindows(ref: PartitionRef, deadline: number): Promise<DueWindow[]> {
    const tenants = await this.redis.smembers(partitionKey(ref, 'tenants'));
    if (tenants.length === 0) return [];
    const ranges = this.redis.pipeline();
    for (const t of tenants) ranges.zrangebyscore(pendingKey(t, ref), '-inf', deadline);
    for (const t of tenants) ranges.zcard(pendingKey(t, ref));
    const results = pipelineReplies<string[] | number>(await ranges.exec());
    const members = results.slice(0, tenants.length) as string[][];
    const sizes = results.slice(tenants.length) as number[];
    // Tenants without pending windows on this partition leave its set.
    const idle = tenants.filter((_, i) => sizes[i] === 0);
    if (idle.length > 0) await this.redis.srem(partitionKey(ref, 'tenants'), ...idle);
    const wanted = tenants.flatMap((tenantId, i) => members[i].map((m) => ({ tenantId, ...parseMember(m) })));
    if (wanted.length === 0) return [];
    const reads = this.redis.pipeline();
    for (const w of wanted) reads.hget(windowsKey(w.tenantId, w.deviceId), `w:${w.start}`);
    const states = pipelineReplies<string | null>(await reads.exec());
    const due: DueWindow[] = [];
    wanted.forEach((w, i) => {
      const json = states[i];
      if (json) due.push({ tenantId: w.tenantId, deviceId: w.deviceId, state: JSON.parse(json) as WindowState });
    });
    // Pending members whose window was dropped or whose hash expired have nothing to emit; forget them.
    const gone = wanted.filter((_, i) => !states[i]);
    if (gone.length > 0) {
      const cleanup = this.redis.pipeline();
      for (const w of gone) cleanup.zrem(pendingKey(w.tenantId, ref), `${w.deviceId}|${w.start}`);
      pipelineReplies(await cleanup.exec());
    }
    return due;
  }

  async dropEmitted(ref: PartitionRef, windows: readonly DueWindow[]): Promise<void> {
    if (windows.length === 0) return;
    const byDevice = new Map<string, DueWindow[]>();
    for (const w of windows) {
      const key = deviceKey(w.tenantId, w.deviceId);
      byDevice.set(key, [...(byDevice.get(key) ?? []), w]);
    }
    const pipeline = this.redis.pipeline();
    const commands = pipeline as unknown as WindowCommands;
    for (const list of byDevice.values()) {
      const { tenantId, deviceId } = list[0];
      const args: Array<string | number> = [deviceId];
      for (const w of list) args.push(w.state.start, JSON.stringify(w.state), w.state.end);
      void commands.gpDropEmitted(windowsKey(tenantId, deviceId), pendingKey(tenantId, ref), ...args);
    }
    pipelineReplies(await pipeline.exec());
  }
}
