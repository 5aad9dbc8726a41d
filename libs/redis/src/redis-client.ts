import Redis, { type RedisOptions } from 'ioredis';

export type RedisClient = Redis;

/**
 * An ioredis client for `redis://` or `rediss://` (TLS, e.g. ElastiCache in-transit
 * encryption; AUTH comes from the URL). Commands fail fast while disconnected instead of
 * queueing without bound, so callers can answer 503 or retry the Kafka batch.
 */
export function createRedisClient(url: string, name: string, overrides: RedisOptions = {}): RedisClient {
  const tls = url.startsWith('rediss://') ? { tls: {} } : {};
  return new Redis(url, {
    connectionName: `geopulse-${name}`,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(200 * 2 ** attempt, 5000),
    lazyConnect: true,
    ...tls,
    ...overrides,
  });
}

/** Readiness probe: PING with a deadline. */
export async function pingRedis(client: RedisClient, timeoutMs = 1000): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no PONG within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
