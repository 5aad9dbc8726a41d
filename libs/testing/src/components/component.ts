export type ComponentName = 'kafka' | 'dynamodb' | 'redis' | 'mosquitto' | 'smtp' | 'otlp';

/** Every component, in the order status output lists them. */
export const COMPONENT_NAMES: readonly ComponentName[] = ['kafka', 'dynamodb', 'redis', 'mosquitto', 'smtp', 'otlp'];

export function isComponentName(value: string): value is ComponentName {
  return (COMPONENT_NAMES as readonly string[]).includes(value);
}

/** Named ports of one component, e.g. { broker: 41234, controller: 41235 }. */
export type ComponentPorts = Record<string, number>;

/** What is spawned; recorded in stack.json so any process can respawn it identically. */
export interface LaunchSpec {
  command: string;
  args: string[];
  /** Added to the environment of the spawning process. */
  env: Record<string, string>;
  cwd: string;
}

export interface PrepareContext {
  /** <stack dir>/<component>: config and data of this component. */
  dir: string;
  /** <stack dir>/logs. */
  logDir: string;
  ports: ComponentPorts;
}

/** How one kind of server is prepared, launched, probed and described to the services. */
export interface ComponentDefinition {
  name: ComponentName;
  portNames: readonly string[];
  /** How long the first readiness wait may take (JVMs need longer). */
  readyTimeoutMs: number;
  /** How long a SIGTERM may take before SIGKILL. */
  stopTimeoutMs: number;
  needs: { java?: boolean; kafkaJars?: boolean; dynamoDbJars?: boolean; redis?: boolean; mosquitto?: boolean };
  /** Writes config, formats storage: once per stack, before the first launch. */
  prepare(context: PrepareContext): Promise<LaunchSpec>;
  /** Resolves true once the server answers a real request; false or a throw means not yet. */
  probe(ports: ComponentPorts): Promise<boolean>;
  /** The environment variables through which services and tests find this server (dir: as in prepare). */
  env(ports: ComponentPorts, dir: string): Record<string, string>;
  /**
   * Called after the process exited cleanly; may return new launch arguments for later starts
   * (Kafka turns its class-data-sharing archive from "create" to "use").
   */
  afterCleanStop?(launch: LaunchSpec): Promise<LaunchSpec | undefined>;
}
