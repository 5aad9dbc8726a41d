import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComponentName, ComponentPorts, LaunchSpec } from './components/component';
import type { HarnessBackend } from './harness';

export const STATE_FILE = 'stack.json';
export const ENV_FILE = 'stack.env';

/** One component as recorded in stack.json: enough for any process to stop or respawn it. */
export interface ComponentState extends LaunchSpec {
  name: ComponentName;
  ports: ComponentPorts;
  /** Process id, also its process-group id. */
  pid: number;
  logPath: string;
  startedAt: string;
}

export interface StackState {
  version: 1;
  dir: string;
  createdAt: string;
  /** The variables services and tests use to reach the stack. */
  env: Record<string, string>;
  components: Partial<Record<ComponentName, ComponentState>>;
  /** Absent in files of older harnesses: processes. */
  backend?: HarnessBackend;
  /** The watchdog that stops the stack when the Jest run that owns it dies. */
  reaperPid?: number;
}

export function stateFilePath(dir: string): string {
  return path.join(dir, STATE_FILE);
}

export function tryReadStackState(dir: string): StackState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(stateFilePath(dir), 'utf8');
  } catch {
    return undefined;
  }
  const state = JSON.parse(text) as StackState;
  if (state.version !== 1) throw new Error(`${stateFilePath(dir)}: unsupported state version ${String(state.version)}`);
  return state;
}

export function readStackState(dir: string): StackState {
  const state = tryReadStackState(dir);
  if (!state) throw new Error(`no stack in ${dir}: ${stateFilePath(dir)} does not exist (start one with \`node tools/stack.js up\`)`);
  return state;
}

/** Atomic replace, so a reader in another process never sees half a file. */
export function writeStackState(dir: string, state: StackState): void {
  const file = stateFilePath(dir);
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(temporary, file);
}

/** Re-reads the file and replaces one component's entry (other processes may have changed others). */
export function updateComponentState(dir: string, component: ComponentState): void {
  const state = readStackState(dir);
  state.components[component.name] = component;
  writeStackState(dir, state);
}
