import { randomBytes } from 'node:crypto';
import { metric } from '@geopulse/observability';
import { tenantKey, type RedisClient } from '@geopulse/redis';
import type { DeviceState, DeviceStateChange, DeviceStateStore, RuleAlertState } from '../../application/ports';
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

interface RulesCommands {
  gpRulesSave(numKeys: number, ...args: Array<string | number>): Promise<number>;
}

export const ruleDeviceKey = (tenantId: string, deviceId: string): string => tenantKey(tenantId, 'rules', 'dev', deviceId);
export const firingKey = (tenantId: string, ruleId: string): string => tenantKey(tenantId, 'rules', 'firing', ruleId);

const cacheLookups = metric.counter('geopulse_rules_state_cache_lookups_total', 'Device state loads by outcome: hit (memory, revision confirmed), stale (changed elsewhere, re-read), miss', ['outcome']);

/** A device's state as last read or written by this replica, with the write token of its revision. */
interface CachedState {
  state: DeviceState;
  token: string;
}

/**
 * Device state in Redis, and the states of the devices this replica evaluates in its memory
 * (decision 0402). A state in memory is used only after a one-field read confirms that Redis
 * still holds that revision with that write token, so every guarantee of the compare-and-set
 * holds as if it had been read whole; what is saved is the transfer and parse of the history.
 */
export class RedisDeviceStateStore implements DeviceStateStore {
  private readonly cache = new Map<string, CachedState>();
  /** Write tokens: this replica's id and a counter, unique across replicas and restarts. */
  private readonly writer = randomBytes(6).toString('hex');
  private writes = 0;

  constructor(
    private readonly redis: RedisClient,
    /** Telemetry topic name: timer queues are per partition of it. */
    private readonly topic: string,
    /** Most device states kept in memory (least recently used leave first); 0 keeps none. */
    private readonly cacheDevices = 0,
  ) {
    redis.defineCommand('gpRulesSave', { lua: SAVE });
  }

  timerKey(partition: number): string {
    return `gp:{rules-timers:${this.topic}:${partition}}`;
  }

  async load(tenantId: string, deviceId: string): Promise<DeviceState> {
    const key = ruleDeviceKey(tenantId, deviceId);
    const cached = this.cache.get(key);
    if (cached) {
      const [rev, token] = await this.redis.hmget(key, 'rev', 'w');
      if (Number(rev ?? 0) === cached.state.rev && (token ?? '') === cached.token) {
        this.remember(key, cached);
        cacheLookups.inc({ outcome: 'hit' });
        return cached.state;
      }
      this.cache.delete(key);
    }
    cacheLookups.inc({ outcome: cached ? 'stale' : 'miss' });
    const raw = await this.redis.hgetall(key);
    const alerts: Record<string, RuleAlertState> = {};
    for (const [field, value] of Object.entries(raw)) if (field.startsWith('a:')) alerts[field.slice(2)] = JSON.parse(value) as RuleAlertState;
    const state: DeviceState = { rev: Number(raw.rev ?? 0), history: raw.h ? (JSON.parse(raw.h) as DeviceHistory) : emptyHistory(), alerts };
    // A device without a hash yet is remembered at revision 0 with no token, like any other.
    this.remember(key, { state, token: raw.w ?? '' });
    return state;
  }

  /** Most recently used last; the oldest entries leave beyond the bound. */
  private remember(key: string, entry: CachedState): void {
    if (this.cacheDevices === 0) return;
    this.cache.delete(key);
    this.cache.set(key, entry);
    while (this.cache.size > this.cacheDevices) this.cache.delete(this.cache.keys().next().value as string);
  }

  async save(tenantId: string, deviceId: string, rev: number, change: DeviceStateChange): Promise<boolean> {
    const member = `${tenantId}:${deviceId}`;
    const key = ruleDeviceKey(tenantId, deviceId);
    const token = `${this.writer}:${(this.writes += 1)}`;
    if (change.timer && 'dueAt' in change.timer) await this.redis.zadd(this.timerKey(change.timer.partition), change.timer.dueAt, member);
    const alerts = Object.entries(change.alerts);
    const firing = Object.entries(change.firing);
    const args: Array<string | number> = [
      1 + firing.length,
      key,
      ...firing.map(([ruleId]) => firingKey(tenantId, ruleId)),
      rev,
      JSON.stringify(change.history),
      Math.max(1000, Math.round(change.ttlMs)),
      alerts.length,
      ...alerts.flatMap(([ruleId, state]) => [ruleId, state ? JSON.stringify(state) : '']),
      deviceId,
      ...firing.map(([, on]) => (on ? '1' : '0')),
      token,
    ];
    const before = this.cache.get(key);
    this.cache.delete(key);
    const saved = (await (this.redis as unknown as RulesCommands).gpRulesSave(...(args as [number, ...Array<string | number>]))) === 1;
    if (saved && before?.state.rev === rev) {
      const alertStates = { ...before.state.alerts };
      for (const [ruleId, state] of alerts) {
        if (state) alertStates[ruleId] = state;
        else delete alertStates[ruleId];
      }
      this.remember(key, { state: { rev: rev + 1, history: change.history, alerts: alertStates }, token });
    }
    if (saved && change.timer && 'cancel' in change.timer) await this.redis.zrem(this.timerKey(change.timer.partition), member);
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
