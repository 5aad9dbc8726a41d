import { tenantKey, type RedisClient } from '@geopulse/redis';
import type { RateLimiter } from '../../application/ports';

/**
 * Token buckets, one hash per device (`t` tokens, `ts` last refill in ms), refilled at
 * ARGV[1] tokens/s up to ARGV[2]. All of a request's devices are checked first and charged
 * only if every one has enough (all or nothing). Time is Redis's own clock, so every replica
 * agrees. A device's keys share the tenant hash tag, so the script is Redis Cluster safe.
 * Returns {0} or {ms until the short bucket has enough, index of that key}.
 */
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = {}
local worst, worstIndex = 0, 0
for i, key in ipairs(KEYS) do
  local cost = math.min(tonumber(ARGV[2 + i]), burst)
  local state = redis.call('HMGET', key, 't', 'ts')
  local have = tonumber(state[1]) or burst
  local ts = tonumber(state[2]) or now
  if now > ts then have = math.min(burst, have + (now - ts) * rate / 1000) end
  tokens[i] = have - cost
  if have < cost then
    local wait = math.ceil((cost - have) * 1000 / rate)
    if wait > worst then worst, worstIndex = wait, i end
  end
end
if worst > 0 then return {worst, worstIndex} end
local ttl = math.ceil(burst * 1000 / rate) + 1000
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 't', tostring(tokens[i]), 'ts', tostring(now))
  redis.call('PEXPIRE', key, ttl)
end
return {0, 0}
`;

interface TakeCommand {
  gpTakeTokens(numberOfKeys: number, ...args: Array<string | number>): Promise<[number, number]>;
}

export const rateBucketKey = (tenantId: string, deviceId: string): string => tenantKey(tenantId, 'device', deviceId, 'rate');

export class RedisTokenBucketLimiter implements RateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    redis.defineCommand('gpTakeTokens', { lua: TAKE });
  }

  async take(tenantId: string, costs: ReadonlyMap<string, number>) {
    const devices = [...costs.keys()];
    const [waitMs, index] = await (this.redis as unknown as TakeCommand).gpTakeTokens(
      devices.length,
      ...devices.map((d) => rateBucketKey(tenantId, d)),
      this.ratePerSecond,
      this.burst,
      ...devices.map((d) => costs.get(d) ?? 0),
    );
    if (waitMs === 0) return { allowed: true as const };
    return { allowed: false as const, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), deviceId: devices[index - 1] };
  }
}
