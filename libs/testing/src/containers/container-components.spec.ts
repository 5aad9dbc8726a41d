import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PrepareContext } from '../components/component';
import { containerLaunch } from './container-components';

function context(ports: Record<string, number>): PrepareContext {
  const stack = fs.mkdtempSync(path.join(os.tmpdir(), 'geopulse-container-launch-'));
  const dir = path.join(stack, 'component');
  const logDir = path.join(stack, 'logs');
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(logDir, { recursive: true });
  return { dir, logDir, ports };
}

const read = (file: string) => fs.readFileSync(file, 'utf8');

describe('containerLaunch', () => {
  const made: string[] = [];
  const ctx = (ports: Record<string, number>) => {
    const c = context(ports);
    made.push(path.dirname(c.dir));
    return c;
  };
  afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('runs Kafka with listeners on all interfaces, advertised on 127.0.0.1, formatted once, from the mounted stack dir', () => {
    const c = ctx({ broker: 41000, controller: 41001 });
    const launch = containerLaunch('kafka', c);
    expect(launch.ports).toEqual([41000]);
    expect(launch.mounts).toEqual([c.dir, c.logDir]);
    expect(launch.entrypoint).toEqual(['/bin/sh', '-c']);
    const [script] = launch.command;
    expect(script).toMatch(/^java .*kafka\.tools\.StorageTool format --standalone --ignore-formatted .* && exec java .*kafka\.Kafka /);
    expect(script).toContain(`'/opt/kafka/libs/*'`);
    const properties = read(path.join(c.dir, 'server.properties'));
    expect(properties).toContain('listeners=PLAINTEXT://0.0.0.0:41000,CONTROLLER://0.0.0.0:41001\n');
    expect(properties).toContain('advertised.listeners=PLAINTEXT://127.0.0.1:41000\n');
    expect(properties).toContain(`log.dirs=${path.join(c.dir, 'data')}\n`);
  });

  it('runs Mosquitto on the host network with the plugin compiled into its image', () => {
    const c = ctx({ mqtt: 41100, auth: 41101 });
    const launch = containerLaunch('mosquitto', c);
    expect(launch.networkMode).toBe('host');
    expect(launch.ports).toEqual([]);
    expect(launch.command).toEqual(['/usr/sbin/mosquitto', '-c', path.join(c.dir, 'mosquitto.conf')]);
    const config = read(path.join(c.dir, 'mosquitto.conf'));
    expect(config).toContain('listener 41100 127.0.0.1\n');
    expect(config).toContain('plugin /usr/lib/geopulse/geopulse_auth.so\n');
  });

  it('publishes Redis, DynamoDB Local and Jaeger on their own ports, listening beyond the container loopback', () => {
    const redis = containerLaunch('redis', ctx({ redis: 41200 }));
    expect(redis.ports).toEqual([41200]);
    expect(redis.command.join(' ')).toContain('--bind 0.0.0.0 --protected-mode no');

    const dynamodb = containerLaunch('dynamodb', ctx({ http: 41300 }));
    expect(dynamodb.ports).toEqual([41300]);
    expect(dynamodb.command.slice(-5)).toEqual(['-inMemory', '-sharedDb', '-disableTelemetry', '-port', '41300']);

    const c = ctx({ otlp: 41400, query: 41401, queryGrpc: 41402 });
    const jaeger = containerLaunch('jaeger', c);
    expect(jaeger.ports).toEqual([41400, 41401, 41402]);
    expect(read(path.join(c.dir, 'jaeger.yaml'))).toContain('endpoint: "0.0.0.0:41401"');
  });
});
