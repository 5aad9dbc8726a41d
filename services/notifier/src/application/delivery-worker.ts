import { metric, type ComponentLogger } from '@geopulse/observability';
import type { DeliverNotifications } from './deliver-notifications';
import type { Clock, DeliveryQueue } from './ports';

const queueDepth = metric.gauge('geopulse_notifier_queue_depth', 'Deliveries waiting in the durable queue (new, retrying and in flight)');
const workerErrors = metric.counter('geopulse_notifier_worker_errors_total', 'Jobs whose processing threw (they come back after their lease)');

export interface WorkerSettings {
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
}

/**
 * Drains the durable queue: claims due jobs (each under a lease, so a replica that dies
 * leaves them to others after the lease), keeps up to `concurrency` in flight, and stops
 * claiming on shutdown while in-flight attempts finish.
 */
export class DeliveryWorker {
  private inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private polling = false;
  private lastDepthAt = 0;

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly deliver: DeliverNotifications,
    private readonly settings: WorkerSettings,
    private readonly clock: Clock,
    private readonly log: ComponentLogger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delay);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    let claimed = 0;
    try {
      const free = this.settings.concurrency - this.inFlight.size;
      if (free > 0) {
        const jobs = await this.queue.claim(this.clock(), free, this.settings.leaseMs);
        claimed = jobs.length;
        for (const job of jobs) {
          const work: Promise<void> = this.deliver
            .process(job)
            .catch((err: Error) => {
              workerErrors.inc();
              this.log.error('delivery processing failed; the job returns after its lease', { deliveryId: job.id, error: err.message });
            })
            .finally(() => {
              this.inFlight.delete(work);
              // A slot came free: look for more at once rather than at the next tick.
              if (!this.stopped) this.schedule(0);
            });
          this.inFlight.add(work);
        }
      }
      if (this.clock() - this.lastDepthAt > 1000) {
        this.lastDepthAt = this.clock();
        queueDepth.set(await this.queue.depth());
      }
    } catch (err) {
      this.log.warn('could not claim deliveries; retrying', { error: (err as Error).message });
    } finally {
      this.polling = false;
    }
    // Claimed a full page: there may be more due now.
    this.schedule(claimed > 0 && this.inFlight.size < this.settings.concurrency ? 0 : this.settings.pollIntervalMs);
  }
}
