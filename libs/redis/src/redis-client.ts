import Redis, { type Command, type RedisOptions } from 'ioredis';
import { metric } from '@geopulse/observability';

export type RedisClient = Redis;

/**
 * An ioredis client for `redis://` or `rediss://` (TLS, e.g. ElastiCache in-transit
 * encryption; AUTH comes from the URL). Commands fail fast while disconnected instead of
 * queueing without bound, so callers can answer 503 or retry the Kafka batch.
 */
export function createRedisClient(url: string, name: string, overrides: RedisOptions = {}): RedisClient {
  const tls = url.startsWith('rediss://') ? { tls: {} } : {};
  return instrumented(new Redis(url, {
    connectionName: `geopulse-${name}`,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(200 * 2 ** attempt, 5000),
    lazyConnect: true,
    ...tls,
    ...overrides,
  }));
}

const commandSeconds = metric.histogram(
  'geopulse_redis_command_duration_seconds',
  'Time from sending a Redis command (alone or in a pipeline) to its reply',
  ['command', 'outcome'],
  [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
);

/**
 * Times every command, pipelined ones included (ioredis sends each through sendCommand), by
 * command name: a bounded label set, never keys or arguments.
 */
function instrumented(client: Redis): Redis {
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: Command, ...rest: unknown[]) => {
    const stop = commandSeconds.startTimer({ command: command.name });
    command.promise.then(
      () => stop({ outcome: 'ok' }),
      () => stop({ outcome: 'error' }),
    );
    return (send as (c: Command, ...r: unknown[]) => unknown)(command, ...rest);
  }) as Redis['sendCommand'];
  return client;
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

/** A pipeline's replies in order (`await pipeline.exec()`), or the first command error thrown. */
export function pipelineReplies<T>(results: Array<[Error | null, unknown]> | null): T[] {
  return (results ?? []).map(([err, value]) => {
    if (err) throw err;
    return value as T;
  });
}
