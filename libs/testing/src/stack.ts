import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMPONENT_NAMES, type ComponentDefinition, type ComponentName, type ComponentPorts } from './components/component';
import { componentDefinition } from './components/component-registry';
import { createKafkaComponent, type KafkaComponentOptions } from './components/kafka.component';
import { createRedisComponent, type RedisComponentOptions } from './components/redis.component';
import { createKafkaContainerComponent, ensureContainerImages } from './containers/container-components';
import { harnessBackend, type HarnessBackend } from './harness';
import { ensureInfra } from './infra/infra-cache';
import { freePorts } from './process/free-port';
import { withLogTail } from './process/log-tail';
import { isGroupAlive, spawnDetached, stopProcessGroup } from './process/process-group';
import { renderEnvFile } from './stack-env';
import {
  ENV_FILE,
  readStackState,
  tryReadStackState,
  updateComponentState,
  writeStackState,
  type ComponentState,
  type StackState,
} from './stack-state';

export interface StartStackOptions {
  /** Default: every component. */
  components?: ComponentName[];
  /** Default: a new directory under os.tmpdir(). Data, configs, logs and stack.json live here. */
  dir?: string;
  /** Progress lines; default: none. */
  log?: (line: string) => void;
  /** Extra listeners of the Kafka broker (e.g. SASL); default: PLAINTEXT only. */
  kafka?: KafkaComponentOptions;
  /** Redis also on a cluster bridge's address (tools/cluster); default: loopback only. */
  redis?: RedisComponentOptions;
  /** Processes or containers (testcontainers); default: GEOPULSE_HARNESS, else processes. */
  backend?: HarnessBackend;
}

/** Start, stop and inspect one component of a running stack, from any process. */
export interface ComponentControl {
  readonly name: ComponentName;
  readonly ports: ComponentPorts;
  readonly logPath: string;
  /** SIGTERM to its process group, SIGKILL after the component's timeout. No-op when stopped. */
  stop(): Promise<void>;
  /** Respawns the recorded command on the same ports and data dir and waits until it answers. No-op when running. */
  start(): Promise<void>;
  restart(): Promise<void>;
  isRunning(): boolean;
}

export interface StackHandle {
  readonly dir: string;
  /** KAFKA_BROKERS, REDIS_URL, DYNAMODB_ENDPOINT, AWS_*, SMTP_URL, SMTP_SINK_URL, OTEL_EXPORTER_OTLP_ENDPOINT, JAEGER_QUERY_URL, GEOPULSE_TRACE_URL_TEMPLATE, MQTT_URL. */
  readonly env: Record<string, string>;
  readonly components: ComponentName[];
  control(name: ComponentName): ComponentControl;
  /** Stops every component (the directory stays). */
  stop(): Promise<void>;
}

export interface ComponentStatus {
  name: ComponentName;
  running: boolean;
  pid: number;
  ports: ComponentPorts;
  logPath: string;
}

/** Directories and files a stack creates inside its dir, removed when a dir is reused. */
const STACK_ENTRIES = ['logs', 'stack.json', ENV_FILE, ...COMPONENT_NAMES];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Polls the component's real probe; fails at once with the log tail if its process has died. */
async function waitUntilReady(definition: ComponentDefinition, component: ComponentState): Promise<void> {
  const started = Date.now();
  const deadline = started + definition.readyTimeoutMs;
  let lastProblem = 'not answering yet';
  for (;;) {
    if (!isGroupAlive(component.pid)) {
      throw new Error(withLogTail(`${component.name} exited during start-up`, component.logPath));
    }
    try {
      if (await definition.probe(component.ports)) return;
      lastProblem = 'probe answered "not ready"';
    } catch (error) {
      lastProblem = errorMessage(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        withLogTail(
          `${component.name} not ready after ${Date.now() - started} ms (pid ${component.pid}; last probe: ${lastProblem})`,
          component.logPath,
        ),
      );
    }
    await sleep(150);
  }
}

function launch(component: Omit<ComponentState, 'pid' | 'startedAt'>): ComponentState {
  const pid = spawnDetached({
    command: component.command,
    args: component.args,
    env: component.env,
    cwd: component.cwd,
    logPath: component.logPath,
  });
  return { ...component, pid, startedAt: new Date().toISOString() };
}

/** testcontainers (a heavy import) is loaded only by the containers backend. */
async function removeStaleContainers(stackDir?: string): Promise<string[]> {
  const containers = await import('./containers/containers');
  return containers.removeStaleContainers(stackDir);
}

const backendOf = (dir: string): HarnessBackend => tryReadStackState(dir)?.backend ?? 'processes';

/**
 * Stops one component's process group (on the containers backend: its container runner, which stops
 * the container) and lets its definition update the launch for later starts.
 */
async function stopComponent(dir: string, component: ComponentState): Promise<void> {
  const definition = componentDefinition(component.name, backendOf(dir));
  const outcome = await stopProcessGroup(component.pid, { timeoutMs: definition.stopTimeoutMs });
  if (outcome !== 'exited' || !definition.afterCleanStop) return;
  const updated = await definition.afterCleanStop(component);
  if (updated && tryReadStackState(dir)) {
    updateComponentState(dir, { ...component, ...updated });
  }
}

function cleanStackDir(dir: string): void {
  for (const entry of STACK_ENTRIES) {
    fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}

/** Each component's variables, from the definitions it was started with (their options included). */
function stackEnv(components: ComponentState[], definitions: ComponentDefinition[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const component of components) {
    const definition = definitions.find((d) => d.name === component.name) as ComponentDefinition;
    Object.assign(env, definition.env(component.ports, component.cwd));
  }
  return env;
}

/**
 * Starts the components (all by default) as real processes on free loopback ports, in parallel,
 * and resolves once every one answers a real request. On failure everything started is stopped.
 * On the containers backend each server but the SMTP sink runs in a container (testcontainers),
 * published on the same free loopback ports, so the variables are the same.
 */
export async function startStack(options: StartStackOptions = {}): Promise<StackHandle> {
  const names = [...new Set(options.components ?? COMPONENT_NAMES)];
  // Callers in plain JavaScript (benches) are not type-checked: name what is wrong.
  const unknown = names.filter((name) => !(COMPONENT_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown stack component ${unknown.join(', ')}: use ${COMPONENT_NAMES.join(', ')}`);
  const log = options.log ?? (() => undefined);
  const dir = options.dir ? path.resolve(options.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'geopulse-stack-'));
  fs.mkdirSync(dir, { recursive: true });

  const previous = tryReadStackState(dir);
  if (previous) {
    const alive = Object.values(previous.components).filter((component) => component && isGroupAlive(component.pid));
    if (alive.length > 0) {
      throw new Error(`a stack is already running in ${dir} (${alive.map((c) => c?.name).join(', ')}): stop it first`);
    }
  }
  cleanStackDir(dir);

  const backend = options.backend ?? harnessBackend();
  const kafkaWithOptions = backend === 'containers' ? createKafkaContainerComponent : createKafkaComponent;
  if (backend === 'containers' && (options.kafka?.podsHost || options.redis)) {
    throw new Error('listeners for a test cluster (kafka.podsHost, redis) exist on the processes backend only');
  }
  const definitions = names.map((name) => {
    if (name === 'kafka' && options.kafka) return kafkaWithOptions(options.kafka);
    if (name === 'redis' && options.redis) return createRedisComponent(options.redis);
    return componentDefinition(name, backend);
  });
  if (backend === 'containers') {
    const removed = await removeStaleContainers();
    if (removed.length > 0) log(`removed containers of dead runs: ${removed.join(', ')}`);
    await ensureContainerImages(names);
  } else {
    await ensureInfra({
      kafka: definitions.some((d) => d.needs.kafkaJars),
      dynamodb: definitions.some((d) => d.needs.dynamoDbJars),
      redis: definitions.some((d) => d.needs.redis),
      mosquitto: definitions.some((d) => d.needs.mosquitto),
    });
  }

  const portList = await freePorts(definitions.reduce((sum, d) => sum + d.portNames.length, 0));
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });

  const state: StackState = { version: 1, dir, createdAt: new Date().toISOString(), backend, env: {}, components: {} };
  writeStackState(dir, state);

  const startOne = async (definition: ComponentDefinition): Promise<void> => {
    const ports: ComponentPorts = {};
    for (const portName of definition.portNames) ports[portName] = portList.shift() as number;
    const started = Date.now();
    const componentDir = path.join(dir, definition.name);
    fs.mkdirSync(componentDir, { recursive: true });
    const spec = await definition.prepare({ dir: componentDir, logDir, ports });
    const component = launch({
      name: definition.name,
      ...spec,
      ports,
      logPath: path.join(logDir, `${definition.name}.log`),
    });
    // Recorded before the readiness wait, so `down` finds it even if this process dies now.
    state.components[definition.name] = component;
    writeStackState(dir, state);
    await waitUntilReady(definition, component);
    log(`${definition.name} ready on ${Object.values(ports).join(', ')} in ${Date.now() - started} ms`);
  };

  const results = await Promise.allSettled(definitions.map(startOne));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [errorMessage(result.reason)] : []));
  if (failures.length > 0) {
    await stopStack(dir).catch(() => undefined);
    throw new Error(`the test stack did not start:\n${failures.join('\n')}`);
  }

  state.env = stackEnv(Object.values(state.components) as ComponentState[], definitions);
  writeStackState(dir, state);
  fs.writeFileSync(path.join(dir, ENV_FILE), renderEnvFile({ ...state.env, GEOPULSE_STACK_DIR: dir }));
  return loadStack(dir);
}

/** Stops every component recorded in <dir>/stack.json, in parallel. The directory stays. */
export async function stopStack(dir: string): Promise<void> {
  const state = tryReadStackState(dir);
  if (!state) return;
  const components = Object.values(state.components).filter((c): c is ComponentState => c !== undefined);
  const results = await Promise.allSettled(components.map((component) => stopComponent(dir, component)));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [errorMessage(result.reason)] : []));
  // Containers whose runner was killed before it could remove them.
  if (state.backend === 'containers') await removeStaleContainers(state.dir).catch((error) => failures.push(errorMessage(error)));
  if (failures.length > 0) throw new Error(`could not stop the stack in ${dir}:\n${failures.join('\n')}`);
}

function currentComponent(dir: string, name: ComponentName): ComponentState {
  const component = readStackState(dir).components[name];
  if (!component) throw new Error(`the stack in ${dir} has no ${name} component`);
  return component;
}

/**
 * Controls one component through <stackDir>/stack.json, so it works from any process (a Jest
 * worker, a CLI) and not only the one that started the stack.
 */
export function componentControl(stackDir: string, name: ComponentName): ComponentControl {
  const dir = path.resolve(stackDir);
  const initial = currentComponent(dir, name);
  const definition = componentDefinition(name, backendOf(dir));
  const control: ComponentControl = {
    name,
    ports: initial.ports,
    logPath: initial.logPath,
    isRunning: () => isGroupAlive(currentComponent(dir, name).pid),
    async stop() {
      await stopComponent(dir, currentComponent(dir, name));
    },
    async start() {
      const recorded = currentComponent(dir, name);
      if (isGroupAlive(recorded.pid)) return;
      const component = launch(recorded);
      updateComponentState(dir, component);
      await waitUntilReady(definition, component);
    },
    async restart() {
      await control.stop();
      await control.start();
    },
  };
  return control;
}

/** A handle on a stack started elsewhere (another process, `node tools/stack.js up`). */
export function loadStack(stackDir: string): StackHandle {
  const dir = path.resolve(stackDir);
  const state = readStackState(dir);
  const components = COMPONENT_NAMES.filter((name) => state.components[name] !== undefined);
  return {
    dir,
    env: { ...state.env },
    components,
    control: (name) => componentControl(dir, name),
    stop: () => stopStack(dir),
  };
}

/** Each recorded component with whether its process is alive. */
export function stackStatus(stackDir: string): ComponentStatus[] {
  const state = readStackState(path.resolve(stackDir));
  return COMPONENT_NAMES.flatMap((name) => {
    const component = state.components[name];
    if (!component) return [];
    return [
      {
        name,
        running: isGroupAlive(component.pid),
        pid: component.pid,
        ports: component.ports,
        logPath: component.logPath,
      },
    ];
  });
}

/** True when stack.json exists and every recorded component is alive. */
export function isStackRunning(stackDir: string): boolean {
  try {
    const status = stackStatus(stackDir);
    return status.length > 0 && status.every((component) => component.running);
  } catch {
    return false;
  }
}
