/** In-memory fakes of the notifier service's ports, shared by its use-case specs (not part of the build). */
import type { DeliveryStatus } from '../domain/delivery';
import type { DeliveryJob, DeliveryLog, DeliveryQueue, DeliveryRecord, EnqueueResult, SubscriptionRepository } from '../application/ports';
import type { Subscription } from '../domain/subscription';

/** In-memory queue with the same contract as the Redis one (dedup + throttle). */
export class MemoryQueue implements DeliveryQueue {
  readonly jobs = new Map<string, { job: DeliveryJob; dueAt: number }>();
  readonly done = new Map<string, DeliveryStatus>();
  private readonly throttles = new Map<string, number>();

  async enqueue(items: ReadonlyArray<{ job: DeliveryJob; throttleMs: number }>, now: number): Promise<EnqueueResult[]> {
    return items.map(({ job, throttleMs }) => {
      if (this.done.has(job.id) || this.jobs.has(job.id)) return 'duplicate';
      const key = `${job.tenantId}:${job.subscriptionId}:${job.event.deviceId}`;
      if (throttleMs > 0) {
        if ((this.throttles.get(key) ?? 0) > now) {
          this.done.set(job.id, 'THROTTLED');
          return 'throttled';
        }
        this.throttles.set(key, now + throttleMs);
      }
      this.jobs.set(job.id, { job, dueAt: now });
      return 'enqueued';
    });
  }
  async claim(now: number, limit: number, leaseMs: number): Promise<DeliveryJob[]> {
    const due = [...this.jobs.values()].filter((j) => j.dueAt <= now).slice(0, limit);
    for (const j of due) j.dueAt = now + leaseMs;
    return due.map((j) => j.job);
  }
  async reschedule(job: DeliveryJob, dueAt: number): Promise<void> {
    this.jobs.set(job.id, { job, dueAt });
  }
  async finish(job: DeliveryJob, status: DeliveryStatus): Promise<void> {
    this.jobs.delete(job.id);
    this.done.set(job.id, status);
  }
  async depth(): Promise<number> {
    return this.jobs.size;
  }
}

export class MemoryLog implements DeliveryLog {
  readonly records = new Map<string, DeliveryRecord>();
  async create(r: DeliveryRecord): Promise<void> {
    if (!this.records.has(r.id)) this.records.set(r.id, r);
  }
  async put(r: DeliveryRecord): Promise<void> {
    this.records.set(r.id, r);
  }
  async list(): Promise<{ items: DeliveryRecord[] }> {
    return { items: [...this.records.values()] };
  }
}

export class MemorySubscriptions implements SubscriptionRepository {
  readonly rows = new Map<string, Subscription>();
  async get(tenantId: string, id: string) {
    return this.rows.get(`${tenantId}/${id}`);
  }
  async list(tenantId: string, limit: number) {
    return { items: (await this.all(tenantId)).slice(0, limit) };
  }
  async all(tenantId: string) {
    return [...this.rows.values()].filter((s) => s.tenantId === tenantId);
  }
  async save(sub: Subscription, expectedVersion: number | null) {
    const current = this.rows.get(`${sub.tenantId}/${sub.id}`);
    if (expectedVersion === null ? current !== undefined : current?.version !== expectedVersion) return false;
    this.rows.set(`${sub.tenantId}/${sub.id}`, sub);
    return true;
  }
  async remove(tenantId: string, id: string) {
    return this.rows.delete(`${tenantId}/${id}`);
  }
}
