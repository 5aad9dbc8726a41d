import type { ComponentLogger } from '@geopulse/observability';

/**
 * A start-up step done once: `opened` resolves when `open()` is called. Consumers wait on
 * one (`startAfter`) so that, e.g., no reading is evaluated before the rules are loaded.
 */
export class Gate {
  private release!: () => void;
  private isOpen = false;
  readonly opened: Promise<void> = new Promise<void>((resolve) => (this.release = resolve));

  open(): void {
    this.isOpen = true;
    this.release();
  }

  get isOpened(): boolean {
    return this.isOpen;
  }
}

/**
 * Runs a start-up step until it succeeds, with bounded exponential backoff (0.5 s doubling to
 * 10 s), logging each failure: the service keeps running and reports not-ready meanwhile
 * instead of crashing while DynamoDB or Kafka are away. False when `stopped()` became true.
 */
export async function retryStartUp(log: ComponentLogger, problem: string, step: () => Promise<void>, stopped: () => boolean): Promise<boolean> {
  for (let attempt = 0; !stopped(); attempt++) {
    try {
      await step();
      return !stopped();
    } catch (err) {
      const delay = Math.min(500 * 2 ** attempt, 10_000);
      log.warn(`${problem}; retrying`, { error: (err as Error).message, retryInMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return false;
}
