import * as fs from 'node:fs';
import { stopProcessGroup } from '../process/process-group';
import { stopStack } from '../stack';
import { tryReadStackState } from '../stack-state';
import { KEEP_ENV, OWNER_ENV, STACK_DIR_ENV } from './stack-ownership';

/**
 * Jest globalTeardown: stops the stack only if this run's global setup started it, and removes
 * its temp dir (kept with GEOPULSE_KEEP_STACK=1).
 */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env[STACK_DIR_ENV];
  if (!dir || process.env[OWNER_ENV] !== String(process.pid)) return;
  const reaperPid = tryReadStackState(dir)?.reaperPid;
  if (reaperPid) await stopProcessGroup(reaperPid, { timeoutMs: 2000 });
  await stopStack(dir);
  delete process.env[OWNER_ENV];
  delete process.env[STACK_DIR_ENV];
  if (process.env[KEEP_ENV] === '1') {
    process.stderr.write(`[geopulse stack] kept ${dir}\n`);
  } else {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
