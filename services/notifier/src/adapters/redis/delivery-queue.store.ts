import type { RedisClient } from '@geopulse/redis';
import type { DeliveryStatus } from '../../domain/delivery';
import type { DeliveryJob, DeliveryQueue, EnqueueResult } from '../../application/ports';

/**
 * The durable delayed queue in Redis: a ZSET of job ids scored by due time, a hash of job
 * bodies, a `done` marker per finished job (the dedup window) and a throttle marker per
 * (tenant, subscription, device). Every key shares one hash tag (`{notifier:<prefix>}`), so
 * the scripts below are atomic on Redis Cluster too; the prefix (KAFKA_TOPIC_PREFIX) keeps
 * environments sharing a Redis apart. Claiming moves a job's score to the end of its lease:
 * a worker that dies mid-attempt leaves the job to be claimed again when the lease ends.
 */
const ENQUEUE = `
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
local throttleMs = tonumber(ARGV[4])
if throttleMs > 0 then
  if not redis.call('SET', KEYS[4], ARGV[1], 'PX', throttleMs, 'NX') then
    redis.call('SET', KEYS[3], 'THROTTLED', 'EX', tonumber(ARGV[5]))
    return 2
  end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
return 1
`;

const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local body = redis.call('HGET', KEYS[2], id)
  if body then
    redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), id)
    table.insert(out, body)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`;

const RESCHEDULE = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
return 1
`;

const FINISH = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
`;

interface QueueCommands {
  gpNotifyEnqueue(due: string, jobs: string, done: string, throttle: string, id: string, body: string, now: number, throttleMs: number, ttl: number): Promise<number>;
  gpNotifyClaim(due: string, jobs: string, now: number, leaseUntil: number, limit: number): Promise<string[]>;
  gpNotifyReschedule(due: string, jobs: string, id: string, body: string, dueAt: number): Promise<number>;
  gpNotifyFinish(due: string, jobs: string, done: string, id: string, status: string, ttl: number): Promise<number>;
}

const RESULTS: Record<number, EnqueueResult> = { 0: 'duplicate', 1: 'enqueued', 2: 'throttled' };

export class RedisDeliveryQueue implements DeliveryQueue {
  private readonly ns: string;
  private readonly commands: QueueCommands;

  constructor(
    private readonly redis: RedisClient,
    namespace: string,
    private readonly doneTtlSeconds: number,
  ) {
    this.ns = `gp:{notifier:${namespace}}`;
    redis.defineCommand('gpNotifyEnqueue', { numberOfKeys: 4, lua: ENQUEUE });
    redis.defineCommand('gpNotifyClaim', { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand('gpNotifyReschedule', { numberOfKeys: 2, lua: RESCHEDULE });
    redis.defineCommand('gpNotifyFinish', { numberOfKeys: 3, lua: FINISH });
    this.commands = redis as unknown as QueueCommands;
  }

  private get due(): string {
    return `${this.ns}:due`;
  }

  private get jobs(): string {
    return `${this.ns}:jobs`;
  }

  private done(id: string): string {
    return `${this.ns}:done:${id}`;
  }

  async enqueue(items: ReadonlyArray<{ job: DeliveryJob; throttleMs: number }>, now: number): Promise<EnqueueResult[]> {
    const pipeline = this.redis.pipeline();
    const commands = pipeline as unknown as QueueCommands;
    for (const { job, throttleMs } of items) {
      const throttle = `${this.ns}:throttle:${job.tenantId}:${job.subscriptionId}:${job.event.deviceId}`;
      void commands.gpNotifyEnqueue(this.due, this.jobs, this.done(job.id), throttle, job.id, JSON.stringify(job), now, throttleMs, this.doneTtlSeconds);
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      return RESULTS[value as number];
    });
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<DeliveryJob[]> {
    const bodies = await this.commands.gpNotifyClaim(this.due, this.jobs, now, now + leaseMs, limit);
    return bodies.map((body) => JSON.parse(body) as DeliveryJob);
  }

  async reschedule(job: DeliveryJob, dueAt: number): Promise<void> {
    await this.commands.gpNotifyReschedule(this.due, this.jobs, job.id, JSON.stringify(job), dueAt);
  }

  async finish(job: DeliveryJob, status: DeliveryStatus): Promise<void> {
    await this.commands.gpNotifyFinish(this.due, this.jobs, this.done(job.id), job.id, status, this.doneTtlSeconds);
  }

  depth(): Promise<number> {
    return this.redis.zcard(this.due);
  }
}
