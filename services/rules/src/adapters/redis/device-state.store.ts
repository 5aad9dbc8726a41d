import { randomBytes } from 'node:crypto';
import { metric } from '@geopulse/observability';
import { pipelineReplies, tenantKey, type RedisClient } from '@geopulse/redis';
import type { ChainableCommander } from 'ioredis';
import type { DeviceRef, DeviceState, DeviceStateChange, DeviceStateStore, DeviceStateWrite, RuleAlertState } from '../../application/ports';
import { emptyHistory, type DeviceHistory } from '../../domain/device-history';

/**
 * Rules state per device, keys with the `{tenant}` hash tag (Redis Cluster safe):
 * - `rules:dev:<deviceId>` hash: `rev` (compare-and-set revision), `w` (a token unique to the
 *   write that set this revision), `h` (history JSON), `a:<ruleId>` (alert state JSON),
 *   expiring after a quiet period;
 * - `rules:firing:<ruleId>` set of devices with an open episode (closing a rule finds them).
 * Timer queues are per telemetry partition (`{rules-timers:<topic>:<partition>}` sorted sets of
 * `<tenant>:<device>` by due time): the partition's owner polls its queues, so a rebalance moves
 * no state, only who polls.
 */
const SAVE = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'rev') or '0')
if cur ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'rev', cur + 1, 'h', ARGV[2], 'w', ARGV[#ARGV])
local i = 5
for k = 1, tonumber(ARGV[4]) do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], 'a:' .. ARGV[i]) else redis.call('HSET', KEYS[1], 'a:' .. ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
local device = ARGV[i]
for k = 2, #KEYS do
  if ARGV[i + k - 1] == '1' then redis.call('SADD', KEYS[k], device) else redis.call('SREM', KEYS[k], device) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

interface RulesPipeline {
  gpRulesSave(numKeys: number, ...args: Array<string | number>): unknown;
}

/** Runs a pipeline; the replies in order, or the first command error thrown. */
async function exec<T>(pipeline: ChainableCommander): Promise<T[]> {
  return pipelineReplies<T>(await pipeline.exec());
}

export const ruleDeviceKey = (tenantId: string, deviceId: string): string => tenantKey(tenantId, 'rules', 'dev', deviceId);
export const firingKey = (tenantId: string, ruleId: string): string => tenantKey(tenantId, 'rules', 'firing', ruleId);

const cacheLookups = metric.counter('geopulse_rules_state_cache_lookups_total', 'Device state loads by outcome: hit (memory, revision confirmed), stale (changed elsewhere, re-read), miss', ['outcome']);

/** What an entry costs beyond its JSON (key, revision, token, object headers), so empty states count too. */
const ENTRY_OVERHEAD_BYTES = 200;

/** A device's state as last read or written by this replica, with the write token of its revision. */
interface CachedState {
  state: DeviceState;
  token: string;
  /** Size as stored (history and alert JSON): what the memory bound counts. */
  bytes: number;
}

/**
 * Device state in Redis, and the states of the devices this replica evaluates in its memory
 * (decision 0402). A state in memory is used only after a one-field read confirms that Redis
 * still holds that revision with that write token, so every guarantee of the compare-and-set
 * holds as if it had been read whole; what is saved is the transfer and parse of the history.
 */
export class RedisDeviceStateStore implements DeviceStateStore {
  private readonly cache = new Map<string, CachedState>();
  private cachedBytes = 0;
  /** Write tokens: this replica's id and a counter, unique across replicas and restarts. */
  private readonly writer = randomBytes(6).toString('hex');
  private writes = 0;

  constructor(
    private readonly redis: RedisClient,
    /** Telemetry topic name: timer queues are per partition of it. */
    private readonly topic: string,
    /** Bytes of state (as stored) kept in memory, least recently used leaving first; 0 keeps none. */
    private readonly cacheBytes = 0,
  ) {
    redis.defineCommand('gpRulesSave', { lua: SAVE });
  }

  timerKey(partition: number): string {
    return `gp:{rules-timers:${this.topic}:${partition}}`;
  }

  async load(tenantId: string, deviceId: string): Promise<DeviceState> {
    return (await this.loadMany([{ tenantId, deviceId }]))[0];
  }

  /**
   * A batch's devices in two pipelined round trips at most: `rev` and `w` of those held in
   * memory (used when both match), then the whole hash of the others.
   */
  async loadMany(devices: readonly DeviceRef[]): Promise<DeviceState[]> {
    const keys = devices.map((d) => ruleDeviceKey(d.tenantId, d.deviceId));
    const states: Array<DeviceState | undefined> = new Array(keys.length);
    const held = keys.map((key) => this.cache.get(key));
    const check = keys.flatMap((_, i) => (held[i] ? [i] : []));
    if (check.length > 0) {
      const marks = await exec<[string | null, string | null]>(this.redis.pipeline(check.map((i) => ['hmget', keys[i], 'rev', 'w'])));
      check.forEach((i, n) => {
        const [rev, token] = marks[n];
        const entry = held[i]!;
        if (Number(rev ?? 0) === entry.state.rev && (token ?? '') === entry.token) {
          this.remember(keys[i], entry);
          cacheLookups.inc({ outcome: 'hit' });
          states[i] = entry.state;
        } else {
          this.forget(keys[i]);
        }
      });
    }
    const read = keys.flatMap((_, i) => (states[i] ? [] : [i]));
    if (read.length > 0) {
      const hashes = await exec<Record<string, string>>(this.redis.pipeline(read.map((i) => ['hgetall', keys[i]])));
      read.forEach((i, n) => {
        cacheLookups.inc({ outcome: held[i] ? 'stale' : 'miss' });
        const raw = hashes[n];
        const alerts: Record<string, RuleAlertState> = {};
        let bytes = ENTRY_OVERHEAD_BYTES + (raw.h?.length ?? 0);
        for (const [field, value] of Object.entries(raw)) {
          if (!field.startsWith('a:')) continue;
          alerts[field.slice(2)] = JSON.parse(value) as RuleAlertState;
          bytes += value.length;
        }
        const state: DeviceState = { rev: Number(raw.rev ?? 0), history: raw.h ? (JSON.parse(raw.h) as DeviceHistory) : emptyHistory(), alerts };
        // A device without a hash yet is remembered at revision 0 with no token, like any other.
        this.remember(keys[i], { state, token: raw.w ?? '', bytes });
        states[i] = state;
      });
    }
    return states as DeviceState[];
  }

  /** Most recently used last; the oldest entries leave beyond the bound (the newest always stays). */
  private remember(key: string, entry: CachedState): void {
    if (this.cacheBytes === 0) return;
    this.forget(key);
    this.cache.set(key, entry);
    this.cachedBytes += entry.bytes;
    while (this.cachedBytes > this.cacheBytes && this.cache.size > 1) this.forget(this.cache.keys().next().value as string);
  }

  private forget(key: string): void {
    const entry = this.cache.get(key);
    if (!entry) return;
    this.cachedBytes -= entry.bytes;
    this.cache.delete(key);
  }

  async save(tenantId: string, deviceId: string, rev: number, change: DeviceStateChange): Promise<boolean> {
    return (await this.saveMany([{ tenantId, deviceId, rev, change }]))[0];
  }

  /**
   * A batch's writes in one pipeline, each its own compare-and-set script, after the timers
   * they add (a timer without its state is harmless; a state without its timer would never
   * fire); cancelled timers are removed after, for the writes that won.
   */
  async saveMany(writes: readonly DeviceStateWrite[]): Promise<boolean[]> {
    if (writes.length === 0) return [];
    const pipeline = this.redis.pipeline();
    const member = (w: DeviceRef): string => `${w.tenantId}:${w.deviceId}`;
    const tokens: string[] = [];
    const sizes: number[] = [];
    const before: Array<CachedState | undefined> = [];
    /** Position of each write's script among the pipeline's replies. */
    const scriptAt: number[] = [];
    let commands = 0;
    for (const { tenantId, deviceId, rev, change } of writes) {
      const key = ruleDeviceKey(tenantId, deviceId);
      if (change.timer && 'dueAt' in change.timer) {
        pipeline.zadd(this.timerKey(change.timer.partition), change.timer.dueAt, member({ tenantId, deviceId }));
        commands += 1;
      }
      scriptAt.push(commands++);
      const token = `${this.writer}:${(this.writes += 1)}`;
      const alerts = Object.entries(change.alerts);
      const firing = Object.entries(change.firing);
      const history = JSON.stringify(change.history);
      (pipeline as unknown as RulesPipeline).gpRulesSave(
        1 + firing.length,
        key,
        ...firing.map(([ruleId]) => firingKey(tenantId, ruleId)),
        rev,
        history,
        Math.max(1000, Math.round(change.ttlMs)),
        alerts.length,
        ...alerts.flatMap(([ruleId, state]) => [ruleId, state ? JSON.stringify(state) : '']),
        deviceId,
        ...firing.map(([, on]) => (on ? '1' : '0')),
        token,
      );
      tokens.push(token);
      sizes.push(history.length);
      before.push(this.cache.get(key));
      this.forget(key);
    }
    const results = await exec<number>(pipeline);
    const saved = scriptAt.map((n) => results[n] === 1);
    const cancels = this.redis.pipeline();
    let cancelled = 0;
    writes.forEach(({ tenantId, deviceId, rev, change }, i) => {
      if (!saved[i]) return;
      const held = before[i];
      if (held?.state.rev === rev) {
        const alertStates = { ...held.state.alerts };
        for (const [ruleId, state] of Object.entries(change.alerts)) {
          if (state) alertStates[ruleId] = state;
          else delete alertStates[ruleId];
        }
        const bytes = ENTRY_OVERHEAD_BYTES + sizes[i] + Object.values(alertStates).reduce((n, a) => n + JSON.stringify(a).length, 0);
        this.remember(ruleDeviceKey(tenantId, deviceId), { state: { rev: rev + 1, history: change.history, alerts: alertStates }, token: tokens[i], bytes });
      }
      if (change.timer && 'cancel' in change.timer) {
        cancels.zrem(this.timerKey(change.timer.partition), member({ tenantId, deviceId }));
        cancelled += 1;
      }
    });
    if (cancelled > 0) await exec(cancels);
    return saved;
  }

  async firingDevices(tenantId: string, ruleId: string): Promise<string[]> {
    return this.redis.smembers(firingKey(tenantId, ruleId));
  }

  async dueTimers(partition: number, now: number, limit: number): Promise<Array<{ tenantId: string; deviceId: string }>> {
    const members = await this.redis.zrangebyscore(this.timerKey(partition), '-inf', now, 'LIMIT', 0, limit);
    return members.map((member) => {
      const at = member.indexOf(':');
      return { tenantId: member.slice(0, at), deviceId: member.slice(at + 1) };
    });
  }

  async lease(name: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`gp:{rules-leases}:${this.topic}:${name}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }
}
