import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMPONENT_NAMES } from '../components/component';
import { builtFile } from '../package-paths';
import { killProcessGroupNow, spawnDetached } from '../process/process-group';
import { componentControl, stackStatus, startStack } from '../stack';
import { readStackState, tryReadStackState, writeStackState } from '../stack-state';
import { OWNER_ENV, STACK_DIR_ENV } from './stack-ownership';

function log(line: string): void {
  process.stderr.write(`[geopulse stack] ${line}\n`);
}

/** Reuses the stack in GEOPULSE_STACK_DIR when it is up, restarting components a test left stopped. */
async function reuse(dir: string): Promise<boolean> {
  if (!tryReadStackState(dir)) return false;
  const status = stackStatus(dir);
  if (!status.some((component) => component.running)) return false;
  for (const component of status.filter((c) => !c.running)) {
    log(`restarting ${component.name}, which was stopped`);
    await componentControl(dir, component.name).start();
  }
  Object.assign(process.env, readStackState(dir).env);
  log(`reusing the stack in ${dir}`);
  return true;
}

/** Stops the stack if Jest dies without running the teardown. */
function startReaper(dir: string): void {
  const state = readStackState(dir);
  state.reaperPid = spawnDetached({
    command: process.execPath,
    args: [builtFile('stack-reaper.js'), dir, String(process.pid)],
    env: {},
    cwd: dir,
    logPath: path.join(dir, 'logs', 'reaper.log'),
  });
  writeStackState(dir, state);
  // Jest exiting without teardown (e.g. a forced exit): kill right away, the reaper cleans up the rest.
  process.once('exit', () => {
    if (process.env[OWNER_ENV] !== String(process.pid)) return;
    const current = tryReadStackState(dir);
    for (const component of Object.values(current?.components ?? {})) {
      if (component) killProcessGroupNow(component.pid);
    }
  });
}

/**
 * Jest globalSetup: makes the servers of the test stack available to every test file through
 * process.env (KAFKA_BROKERS, REDIS_URL, ..., GEOPULSE_STACK_DIR). Reuses a running stack named
 * by GEOPULSE_STACK_DIR (e.g. `node tools/stack.js up`), otherwise starts one in a temp dir.
 */
export default async function globalSetup(): Promise<void> {
  const existing = process.env[STACK_DIR_ENV];
  if (existing && (await reuse(existing))) return;
  if (existing) log(`${existing} holds no running stack: starting a new one`);

  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geopulse-stack-'));
  const stack = await startStack({ dir, components: [...COMPONENT_NAMES] });
  process.env[STACK_DIR_ENV] = dir;
  process.env[OWNER_ENV] = String(process.pid);
  Object.assign(process.env, stack.env);
  startReaper(dir);
  log(`started ${stack.components.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);
}
