import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComponentDefinition, ComponentName, LaunchSpec, PrepareContext } from '../components/component';
import { DYNAMODB_JVM_FLAGS, DYNAMODB_SERVER_RUNNER, dynamoDbComponent, dynamoDbServerArgs } from '../components/dynamodb.component';
import { jaegerComponent, jaegerConfig } from '../components/jaeger.component';
import { kafkaJvmArgs } from '../components/kafka-config';
import {
  createKafkaComponent,
  formatJvmArgs,
  storageFormatArgs,
  writeKafkaConfig,
  type KafkaComponentOptions,
} from '../components/kafka.component';
import { mosquittoComponent, mosquittoTlsFiles, prepareMosquittoConfig } from '../components/mosquitto.component';
import { redisComponent } from '../components/redis.component';
import { smtpSinkComponent } from '../components/smtp-sink.component';
import { builtFile, repoRoot } from '../package-paths';
import { shellQuote } from '../stack-env';
import { writeContainerSpec, type ContainerSpec } from './container-spec';

/** Where GEOPULSE_IMAGES=local builds the stand-ins and which image each component runs (stdout: component=image). */
export const ensureInfraImagesScript = path.join(repoRoot, 'tools', 'images', 'infra', 'ensure-infra-images.sh');

/** Where the geopulse auth plugin lives in geopulse/mosquitto-auth (tools/images/infra/mosquitto-auth/Dockerfile). */
const PLUGIN_IN_IMAGE = '/usr/lib/geopulse/geopulse_auth.so';

type ImageSource = 'local' | 'official';

function imageSource(env: NodeJS.ProcessEnv = process.env): ImageSource {
  const value = env.GEOPULSE_IMAGES || 'local';
  if (value !== 'local' && value !== 'official') throw new Error(`GEOPULSE_IMAGES must be local or official, not "${value}"`);
  return value;
}

const images = new Map<string, string>();

/**
 * Makes sure the images of these components exist (building the local stand-ins once, see the
 * script) and remembers their names for the components' prepare. The SMTP sink is our own Node
 * test server and runs as a process on both backends.
 */
export async function ensureContainerImages(names: readonly ComponentName[]): Promise<void> {
  const wanted = names.filter((name) => name !== 'smtp' && !images.has(name));
  if (wanted.length === 0) return;
  const source = imageSource();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [ensureInfraImagesScript, ...wanted], {
      stdio: ['ignore', 'pipe', 2],
      env: { ...process.env, GEOPULSE_IMAGES: source },
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${ensureInfraImagesScript} failed (exit ${code}); see its message above.`)),
    );
  });
  for (const line of output.split('\n')) {
    const [name, image] = line.trim().split('=');
    if (name && image) images.set(name, image);
  }
}

function imageOf(name: ComponentName): string {
  const image = images.get(name);
  if (!image) throw new Error(`no image for ${name}: ensureContainerImages must run first`);
  return image;
}

/** The harness user inside containers that write to the mounted stack dir. */
function hostUser(): string | undefined {
  return typeof process.getuid === 'function' && typeof process.getgid === 'function' ? `${process.getuid()}:${process.getgid()}` : undefined;
}

export type ContainerLaunch = Pick<ContainerSpec, 'command' | 'ports' | 'mounts'> & Partial<Pick<ContainerSpec, 'entrypoint' | 'networkMode' | 'user'>>;

/** The launch of a component on this backend: the container runner with the component's spec file. */
function runnerLaunch(name: ComponentName, { dir }: PrepareContext, stopTimeoutMs: number, container: ContainerLaunch): LaunchSpec {
  const spec: ContainerSpec = {
    component: name,
    stackDir: path.dirname(dir),
    image: imageOf(name),
    stopTimeoutMs,
    pull: imageSource() === 'official',
    ...container,
  };
  const file = writeContainerSpec(dir, spec);
  return { command: process.execPath, args: [builtFile('containers/container-runner.js'), file], env: {}, cwd: dir };
}

/**
 * A component on the containers backend: the process definition's ports, probe and environment
 * (containers publish each port on the same 127.0.0.1 port), a container instead of the process.
 * The runner's own stop timeout leaves room for the container's.
 */
function inContainer(
  base: ComponentDefinition,
  stopTimeoutMs: number,
  container: (context: PrepareContext) => ContainerLaunch,
): ComponentDefinition {
  return {
    ...base,
    needs: {},
    // Creating a container adds a few seconds on a loaded machine.
    readyTimeoutMs: base.readyTimeoutMs + 30_000,
    stopTimeoutMs: stopTimeoutMs + 15_000,
    afterCleanStop: undefined,
    prepare: async (context) => runnerLaunch(base.name, context, stopTimeoutMs, container(context)),
  };
}

/** Kafka in apache/kafka: the same server.properties (listeners on 0.0.0.0), formatted in the container. */
export function kafkaContainerLaunch(context: PrepareContext, options: KafkaComponentOptions = {}): ContainerLaunch {
  const { propertiesFile, log4jFile } = writeKafkaConfig(context, options, '0.0.0.0');
  const jvm = kafkaJvmArgs({ libDir: '/opt/kafka/libs', log4jConfig: log4jFile });
  const quoted = (args: string[]) => args.map(shellQuote).join(' ');
  const script = `java ${quoted([...formatJvmArgs(jvm), ...storageFormatArgs(propertiesFile, options)])} && exec java ${quoted([...jvm, 'kafka.Kafka', propertiesFile])}`;
  const ports = [context.ports.broker, ...(context.ports.sasl ? [context.ports.sasl] : [])];
  return { entrypoint: ['/bin/sh', '-c'], command: [script], ports, mounts: [context.dir, context.logDir], user: hostUser() };
}

export function createKafkaContainerComponent(options: KafkaComponentOptions = {}): ComponentDefinition {
  return inContainer(createKafkaComponent(options), 20_000, (context) => kafkaContainerLaunch(context, options));
}

type ContainerComponent = Exclude<ComponentName, 'smtp'>;

/** How each server runs in its image (the command lines work with the official images and our stand-ins alike). */
const launches: Record<Exclude<ContainerComponent, 'kafka'>, (context: PrepareContext) => ContainerLaunch> = {
  // amazon/dynamodb-local: entrypoint java, working dir /home/dynamodblocal.
  dynamodb: ({ ports }) => ({
    command: [
      ...DYNAMODB_JVM_FLAGS,
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-cp',
      'DynamoDBLocal.jar:DynamoDBLocal_lib/*',
      DYNAMODB_SERVER_RUNNER,
      ...dynamoDbServerArgs(ports.http),
    ],
    ports: [ports.http],
    mounts: [],
  }),

  // Protected mode off: published ports reach the container from outside its loopback.
  redis: ({ ports }) => ({
    command: ['redis-server', '--port', String(ports.redis), '--bind', '0.0.0.0', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'],
    ports: [ports.redis],
    mounts: [],
  }),

  // The host's network: the auth plugin asks ingest, a host process, on 127.0.0.1.
  mosquitto: ({ dir, ports }) => {
    const config = prepareMosquittoConfig(dir, ports, PLUGIN_IN_IMAGE);
    const tls = mosquittoTlsFiles();
    return {
      command: ['/usr/sbin/mosquitto', '-c', config],
      ports: [],
      networkMode: 'host',
      mounts: [dir, ...(tls ? [path.dirname(tls.certFile)] : [])],
      user: hostUser(),
    };
  },

  jaeger: ({ dir, ports }) => {
    const config = path.join(dir, 'jaeger.yaml');
    fs.writeFileSync(config, jaegerConfig('0.0.0.0', { otlp: ports.otlp, query: ports.query, queryGrpc: ports.queryGrpc }));
    return { command: ['--config', config], ports: [ports.otlp, ports.query, ports.queryGrpc], mounts: [dir], user: hostUser() };
  },
};

/** The container of one component for a prepared stack dir (writes its config files there). */
export function containerLaunch(name: ContainerComponent, context: PrepareContext): ContainerLaunch {
  return name === 'kafka' ? kafkaContainerLaunch(context) : launches[name](context);
}

const definitions: Record<ComponentName, ComponentDefinition> = {
  kafka: createKafkaContainerComponent(),
  dynamodb: inContainer(dynamoDbComponent, 10_000, launches.dynamodb),
  redis: inContainer(redisComponent, 10_000, launches.redis),
  mosquitto: inContainer(mosquittoComponent, 10_000, launches.mosquitto),
  smtp: smtpSinkComponent,
  jaeger: inContainer(jaegerComponent, 10_000, launches.jaeger),
};

export function containerComponentDefinition(name: ComponentName): ComponentDefinition {
  return definitions[name];
}
