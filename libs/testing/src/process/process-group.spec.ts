import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor } from '../wait-for';
import { isGroupAlive, isProcessAlive, spawnDetached, stopProcessGroup } from './process-group';

describe('process groups', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'process-group-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function start(script: string): number {
    return spawnDetached({
      command: process.execPath,
      args: ['-e', script],
      env: { MARK: 'from-env' },
      cwd: dir,
      logPath: path.join(dir, 'logs', 'child.log'),
    });
  }

  it('stops the whole group with SIGTERM, children included, and logs output to the file', async () => {
    const pid = start(`
      const { spawn } = require('node:child_process');
      spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log('started ' + process.env.MARK);
      setInterval(() => {}, 1000);
    `);
    const logPath = path.join(dir, 'logs', 'child.log');
    // The log starts with the command line, so wait for what only the running child prints.
    // Under load the child may need a while to print: wait for its line, not a fixed time.
    await waitFor(async () => fs.existsSync(logPath) && fs.readFileSync(logPath, 'utf8').includes('started from-env'), {
      timeoutMs: 15_000,
      description: 'the child to log its start',
    });
    expect(isProcessAlive(pid)).toBe(true);
    expect(await stopProcessGroup(pid, { timeoutMs: 5000 })).toBe('exited');
    expect(isGroupAlive(pid)).toBe(false);
  });

  it('SIGKILLs a group that ignores SIGTERM after the timeout', async () => {
    const pid = start(`process.on('SIGTERM', () => {}); console.log('handler-for-' + process.pid); setInterval(() => {}, 1000);`);
    const logPath = path.join(dir, 'logs', 'child.log');
    await waitFor(async () => fs.existsSync(logPath) && fs.readFileSync(logPath, 'utf8').includes(`handler-for-${pid}`), {
      timeoutMs: 15_000,
      description: 'the child to install its SIGTERM handler',
    });
    expect(await stopProcessGroup(pid, { timeoutMs: 300 })).toBe('killed');
    expect(isGroupAlive(pid)).toBe(false);
  });

  it('reports a stopped process as not running', async () => {
    expect(await stopProcessGroup(2 ** 22 + 12345)).toBe('not-running');
    expect(isProcessAlive(-1)).toBe(false);
  });

  it('fails clearly when the command does not exist', () => {
    expect(() =>
      spawnDetached({ command: path.join(dir, 'nope'), args: [], env: {}, cwd: dir, logPath: path.join(dir, 'x.log') }),
    ).toThrow(/could not start/);
  });
});
