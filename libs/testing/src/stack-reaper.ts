import * as fs from 'node:fs';
import { isProcessAlive } from './process/process-group';
import { stopStack } from './stack';
import { tryReadStackState } from './stack-state';

/**
 * Watchdog started by the Jest global setup: when the Jest process that owns a stack dies
 * without its teardown (Ctrl-C, crash, CI timeout kill), it stops the stack and removes its dir,
 * so no Kafka or DynamoDB JVM outlives the run. Exits by itself once the stack dir is gone.
 * Run as: node stack-reaper.js <stackDir> <ownerPid>
 */
async function main(): Promise<void> {
  const [dir, ownerPidText] = process.argv.slice(2);
  const ownerPid = Number(ownerPidText);
  if (!dir || !Number.isInteger(ownerPid)) throw new Error('usage: stack-reaper <stackDir> <ownerPid>');
  for (;;) {
    if (!tryReadStackState(dir)) return;
    if (!isProcessAlive(ownerPid)) {
      process.stdout.write(`${new Date().toISOString()} owner ${ownerPid} is gone: stopping the stack in ${dir}\n`);
      await stopStack(dir);
      fs.rmSync(dir, { recursive: true, force: true });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`stack reaper failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
