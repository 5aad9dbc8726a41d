import Redis from 'ioredis';
import { requireExecutable } from '../infra/infra-cache';
import type { ComponentDefinition, ComponentPorts } from './component';

async function probeRedis(ports: ComponentPorts): Promise<boolean> {
  const client = new Redis({
    host: '127.0.0.1',
    port: ports.redis,
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}

/** Options of a Redis started for a test cluster (tools/cluster); the shared stack uses none. */
export interface RedisComponentOptions {
  /** Also binds this address (a cluster bridge's gateway, so that pods reach it); env REDIS_POD_URL. */
  podsHost?: string;
}

/** The Redis component; `redisComponent` is the default, loopback-only one. */
export function createRedisComponent(options: RedisComponentOptions = {}): ComponentDefinition {
  if (!options.podsHost) return redisComponent;
  const podsHost = options.podsHost;
  return {
    ...redisComponent,
    async prepare(context) {
      const spec = await redisComponent.prepare(context);
      // Protected mode would refuse every client not on loopback; the extra address is a bridge of
      // the test's own, reachable only from its pods.
      const args = spec.args.flatMap((arg) => (arg === '127.0.0.1' ? [arg, podsHost] : [arg]));
      return { ...spec, args: [...args, '--protected-mode', 'no'] };
    },
    env: (ports, dir) => ({ ...redisComponent.env(ports, dir), REDIS_POD_URL: `redis://${podsHost}:${ports.redis}` }),
  };
}

export const redisComponent: ComponentDefinition = {
  name: 'redis',
  portNames: ['redis'],
  readyTimeoutMs: 15_000,
  stopTimeoutMs: 10_000,
  needs: { redis: true },

  async prepare({ dir, ports }) {
    return {
      command: requireExecutable('redis-server'),
      args: [
        '--port',
        String(ports.redis),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--logfile',
        '',
        '--loglevel',
        'notice',
      ],
      env: {},
      cwd: dir,
    };
  },

  probe: probeRedis,

  env(ports) {
    return { REDIS_URL: `redis://127.0.0.1:${ports.redis}` };
  },
};
