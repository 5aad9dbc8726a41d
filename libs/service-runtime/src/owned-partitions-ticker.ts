import type { ComponentLogger } from '@geopulse/observability';
import type { KafkaConsumers } from './kafka-batch.transport';

/**
 * A timer over the partitions of one topic this replica owns in one of its consumers (DWELL,
 * rule timers, idle windows: the partition's owner does its timed work, so a rebalance moves
 * only who ticks). Never two ticks at once; a failed tick is logged and the next one retries.
 */
export class OwnedPartitionsTicker {
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    private readonly consumers: KafkaConsumers,
    private readonly consumer: string,
    private readonly topic: string,
    private readonly log: ComponentLogger,
    /** Names the work in the log: "<what> failed; retrying on the next tick". */
    private readonly what: string,
  ) {}

  start(everyMs: number, tick: (partitions: readonly number[]) => Promise<void>): void {
    this.timer = setInterval(() => void this.run(tick), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async run(tick: (partitions: readonly number[]) => Promise<void>): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await tick(this.consumers.assignment(this.consumer).get(this.topic) ?? []);
    } catch (err) {
      this.log.warn(`${this.what} failed; retrying on the next tick`, { error: (err as Error).message });
    } finally {
      this.ticking = false;
    }
  }
}
