import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComponentName } from '../components/component';

/** Labels on every container of the harness: how a later run finds and removes what a dead one left. */
export const LABELS = {
  harness: 'org.geopulse.harness',
  stackDir: 'org.geopulse.stack-dir',
  component: 'org.geopulse.component',
  runnerPid: 'org.geopulse.runner-pid',
} as const;

/**
 * One container of the test stack, as the container runner (container-runner.ts) starts it. Written
 * by the component's prepare into <stack dir>/<component>/container.json, so any process can
 * respawn the runner and get the same container again.
 */
export interface ContainerSpec {
  component: ComponentName;
  stackDir: string;
  image: string;
  /** Replaces the image's entrypoint when set. */
  entrypoint?: string[];
  command: string[];
  /**
   * Container ports, each published on the same port of 127.0.0.1 only: clients find a server at
   * the same address after a restart, and Kafka can advertise 127.0.0.1:<port>.
   */
  ports: number[];
  /** 'host' for Mosquitto, whose auth plugin calls ingest on the host's loopback. */
  networkMode?: 'host';
  /** Host directories mounted at the same path (config, data and logs keep their host paths). */
  mounts: string[];
  /** uid:gid of the harness, so files in the mounted stack dir stay the harness user's. */
  user?: string;
  /** How long a stop waits for the server's own clean exit before SIGKILL. */
  stopTimeoutMs: number;
  /** false: never pull (images are built here, GEOPULSE_IMAGES=local); true: pull when missing. */
  pull: boolean;
}

export const CONTAINER_SPEC_FILE = 'container.json';

export function writeContainerSpec(dir: string, spec: ContainerSpec): string {
  const file = path.join(dir, CONTAINER_SPEC_FILE);
  fs.writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
  return file;
}

export function readContainerSpec(file: string): ContainerSpec {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ContainerSpec;
}

/** A stable name per stack dir and component: a respawned runner replaces its predecessor's container. */
export function containerName(spec: Pick<ContainerSpec, 'stackDir' | 'component'>): string {
  return `geopulse-${spec.component}-${createHash('sha256').update(spec.stackDir).digest('hex').slice(0, 12)}`;
}
