import type Dockerode from 'dockerode';
import { GenericContainer, getContainerRuntimeClient, type BoundPorts, type WaitStrategy } from 'testcontainers';
import { isProcessAlive } from '../process/process-group';
import { LABELS } from './container-spec';

/**
 * Ryuk (testcontainers' reaper container) cannot be had where no registry can be pulled from; the
 * harness removes its containers itself: the runner on stop, stopStack for its stack, and every
 * start of a containers stack for runners that died (labels in container-spec.ts).
 */
export function disableRyuk(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
}

/** A GenericContainer whose fixed port bindings listen on 127.0.0.1 only (testcontainers binds all interfaces). */
export class LoopbackContainer extends GenericContainer {
  withLoopbackPorts(ports: readonly number[]): this {
    this.withExposedPorts(...ports.map((port) => ({ container: port, host: port })));
    const bindings = this.hostConfig.PortBindings as Record<string, Array<{ HostIp?: string; HostPort: string }>>;
    for (const port of ports) bindings[`${port}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: String(port) }];
    return this;
  }
}

/**
 * Readiness is the harness's own probe (a real Kafka, DynamoDB, Redis, MQTT or HTTP request through
 * the published port, stack.ts), the same on both backends; testcontainers only has to create and
 * start the container. Its port checks would also exec a shell inside images that may have none.
 */
export class StartedOnly implements WaitStrategy {
  private timeoutMs = 60_000;
  private timeoutSet = false;
  async waitUntilReady(_container: Dockerode.Container, _boundPorts: BoundPorts): Promise<void> {
    return undefined;
  }
  withStartupTimeout(startupTimeoutMs: number): this {
    this.timeoutMs = startupTimeoutMs;
    this.timeoutSet = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

/**
 * Force-removes the harness's containers that match: those of `stackDir` when given, and always
 * those whose runner process is gone (a run killed with SIGKILL, a crashed Jest). Returns the names.
 */
export async function removeStaleContainers(stackDir?: string): Promise<string[]> {
  disableRyuk();
  const client = await getContainerRuntimeClient();
  const containers = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${LABELS.harness}=containers`] },
  });
  const stale = containers.filter((info) => {
    const runnerPid = Number(info.Labels[LABELS.runnerPid]);
    return (stackDir !== undefined && info.Labels[LABELS.stackDir] === stackDir) || !isProcessAlive(runnerPid);
  });
  await Promise.all(
    stale.map((info) =>
      client.container.dockerode
        .getContainer(info.Id)
        .remove({ force: true })
        .catch((error: { statusCode?: number }) => {
          // Already gone (removed by its runner meanwhile): fine.
          if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
        }),
    ),
  );
  return stale.map((info) => info.Names[0]?.replace(/^\//, '') ?? info.Id);
}
