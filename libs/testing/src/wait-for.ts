export interface WaitForOptions {
  /** The deadline: the SLA the test asserts. */
  timeoutMs: number;
  /** Pause between two probes; default 100 ms. */
  intervalMs?: number;
  /** What is awaited, for the timeout message: "the START alert for tenant t-1". */
  description: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

class ProbeTimeout {
  constructor(readonly afterMs: number) {}
}

/** Runs the probe but stops waiting for it at the deadline (the probe itself may still run on). */
function raceDeadline<T>(work: Promise<T>, remainingMs: number): Promise<T | ProbeTimeout> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ProbeTimeout>((resolve) => {
    timer = setTimeout(() => resolve(new ProbeTimeout(remainingMs)), Math.max(0, remainingMs));
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Polls `probe` until it returns a value other than `undefined` or `false`, and returns that
 * value. A probe that throws is retried; on timeout the error names `description`, the time
 * waited and the last error (or the last unsatisfied result).
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  options: WaitForOptions,
): Promise<T> {
  const intervalMs = options.intervalMs ?? 100;
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let lastProblem = 'the probe never answered';
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      const result = await raceDeadline(probe(), deadline - Date.now());
      if (result instanceof ProbeTimeout) {
        lastProblem = `the last probe was still running after ${result.afterMs} ms`;
      } else if (result !== undefined && result !== false) {
        return result;
      } else {
        lastProblem = `the last probe returned ${String(result)}`;
      }
    } catch (error) {
      lastProblem = `the last probe failed: ${describeError(error)}`;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new Error(
        `Timed out after ${Date.now() - started} ms waiting for ${options.description} ` +
          `(${attempts} attempt${attempts === 1 ? '' : 's'}; ${lastProblem})`,
      );
    }
    await sleep(Math.min(intervalMs, remaining));
  }
}
