import { getContainerRuntimeClient, PullPolicy, type StartedTestContainer } from 'testcontainers';
import { containerName, LABELS, readContainerSpec, type ContainerSpec } from './container-spec';
import { disableRyuk, LoopbackContainer, removeStaleContainers, StartedOnly } from './containers';

/**
 * The host process that stands for one container of the test stack (GEOPULSE_HARNESS=containers):
 * stack.ts spawns it like any component's process, so stop (SIGTERM), respawn, liveness, the
 * reaper and `stack down` work unchanged on both backends. It starts the container described by
 * its spec file through testcontainers, copies the container's output to its own (the component's
 * log file), stops and removes the container on SIGTERM/SIGINT, and exits when the container
 * exits by itself. Run as: node container-runner.js <spec file>
 */

function log(line: string): void {
  process.stdout.write(`[container-runner] ${new Date().toISOString()} ${line}\n`);
}

function container(spec: ContainerSpec): LoopbackContainer {
  const built = new LoopbackContainer(spec.image)
    .withName(containerName(spec))
    .withLabels({
      [LABELS.harness]: 'containers',
      [LABELS.stackDir]: spec.stackDir,
      [LABELS.component]: spec.component,
      [LABELS.runnerPid]: String(process.pid),
    })
    .withCommand(spec.command)
    .withBindMounts(spec.mounts.map((dir) => ({ source: dir, target: dir, mode: 'rw' as const })))
    .withPullPolicy(spec.pull ? PullPolicy.defaultPolicy() : PullPolicy.neverPull())
    .withWaitStrategy(new StartedOnly())
    .withAutoRemove(false)
    .withLogConsumer((stream) => stream.pipe(process.stdout, { end: false }));
  if (spec.entrypoint) built.withEntrypoint(spec.entrypoint);
  if (spec.user) built.withUser(spec.user);
  if (spec.networkMode) built.withNetworkMode(spec.networkMode);
  else built.withLoopbackPorts(spec.ports);
  return built;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: container-runner <spec file>');
  const spec = readContainerSpec(file);
  disableRyuk();

  // Shared with the signal handlers, which may run while the container is still being created.
  const run: { started?: StartedTestContainer; stopping: boolean } = { stopping: false };
  const stop = async (signal: string): Promise<void> => {
    if (run.stopping) return;
    run.stopping = true;
    log(`${signal}: stopping ${containerName(spec)}`);
    // When the signal came during start-up, the container is removed once start() returns.
    if (run.started) await run.started.stop({ timeout: spec.stopTimeoutMs, remove: true });
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => void stop(signal).catch(fail));
  }

  // What a killed predecessor (same stack dir and component) or a dead run left behind.
  await removeStaleContainers();
  log(`starting ${spec.image} as ${containerName(spec)} (ports ${spec.ports.join(', ') || spec.networkMode})`);
  const started = await container(spec).start();
  run.started = started;
  if (run.stopping) {
    await started.stop({ timeout: spec.stopTimeoutMs, remove: true });
    process.exit(0);
  }
  log(`started ${started.getId().slice(0, 12)}`);

  const runtime = await getContainerRuntimeClient();
  const exit = (await runtime.container.getById(started.getId()).wait()) as { StatusCode?: number };
  if (run.stopping) return;
  log(`the container exited by itself with status ${exit.StatusCode ?? 'unknown'}`);
  await runtime.container.getById(started.getId()).remove({ force: true }).catch(() => undefined);
  process.exit(exit.StatusCode || 1);
}

function fail(error: unknown): never {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}

main().catch(fail);
