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
