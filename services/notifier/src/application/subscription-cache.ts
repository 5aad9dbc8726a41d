import type { Subscription } from '../domain/subscription';
import type { Clock, SubscriptionRepository } from './ports';

/**
 * A tenant's subscriptions, read once per `ttlMs` per replica: routing a busy topic does not
 * query DynamoDB per record, and a change takes effect within `ttlMs`.
 */
export class SubscriptionCache {
  private readonly entries = new Map<string, { at: number; subs: Promise<Subscription[]> }>();

  constructor(
    private readonly repo: SubscriptionRepository,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly maxTenants = 10_000,
  ) {}

  all(tenantId: string): Promise<Subscription[]> {
    const now = this.clock();
    const hit = this.entries.get(tenantId);
    if (hit && now - hit.at < this.ttlMs) return hit.subs;
    const subs = this.repo.all(tenantId);
    if (this.entries.size >= this.maxTenants) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(tenantId, { at: now, subs });
    subs.catch(() => this.entries.delete(tenantId));
    return subs;
  }

  async get(tenantId: string, id: string): Promise<Subscription | undefined> {
    return (await this.all(tenantId)).find((s) => s.id === id);
  }
}
