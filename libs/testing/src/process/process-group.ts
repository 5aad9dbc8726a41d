import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface DetachedCommand {
  command: string;
  args: string[];
  /** Added to the current environment. */
  env: Record<string, string>;
  cwd: string;
  /** stdout and stderr are appended here. */
  logPath: string;
}

/**
 * Starts a command in its own process group (so a stop reaches everything it forks), detached
 * from this process (it survives us: `stack up` returns, Jest workers can respawn components),
 * with stdout and stderr appended to a log file. Returns the pid, which is also the group id.
 */
export function spawnDetached(command: DetachedCommand): number {
  fs.mkdirSync(path.dirname(command.logPath), { recursive: true });
  fs.mkdirSync(command.cwd, { recursive: true });
  const fd = fs.openSync(command.logPath, 'a');
  try {
    fs.writeSync(fd, `\n=== ${new Date().toISOString()} starting: ${command.command} ${command.args.join(' ')}\n`);
    const child = spawn(command.command, command.args, {
      cwd: command.cwd,
      env: { ...process.env, ...command.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    // A missing executable is reported asynchronously; pid stays undefined in that case.
    child.on('error', () => undefined);
    if (child.pid === undefined) {
      throw new Error(`could not start ${command.command}: is it installed?`);
    }
    child.unref();
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ppid pgrp ...": comm may contain spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

function signalReaches(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (!signalReaches(pid)) return false;
  return procState(pid) !== 'Z';
}

/** Live (non-zombie) members of a process group, from /proc; undefined where there is no /proc. */
function groupMembers(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

/** True while any process of the group is alive. */
export function isGroupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 0) return false;
  const members = groupMembers(pgid);
  if (members !== undefined) return members.length > 0;
  return signalReaches(-pgid);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitUntilGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isGroupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

export type StopOutcome = 'not-running' | 'exited' | 'killed';

/**
 * Sends SIGTERM (or `signal`) to the whole group, waits up to `timeoutMs` for every member to
 * exit, then SIGKILLs the group.
 */
export async function stopProcessGroup(
  pgid: number,
  options: { timeoutMs?: number; signal?: NodeJS.Signals } = {},
): Promise<StopOutcome> {
  if (!isGroupAlive(pgid)) return 'not-running';
  signalGroup(pgid, options.signal ?? 'SIGTERM');
  if (await waitUntilGone(pgid, options.timeoutMs ?? 15_000)) return 'exited';
  signalGroup(pgid, 'SIGKILL');
  if (!(await waitUntilGone(pgid, 5_000))) {
    throw new Error(`process group ${pgid} survived SIGKILL`);
  }
  return 'killed';
}

/** SIGKILL without waiting: for synchronous 'exit' handlers. */
export function killProcessGroupNow(pgid: number): void {
  if (Number.isInteger(pgid) && pgid > 0) signalGroup(pgid, 'SIGKILL');
}
