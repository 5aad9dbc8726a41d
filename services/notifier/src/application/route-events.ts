import { metric } from '@geopulse/observability';
import { deliveryId } from '../domain/delivery';
import type { NotificationEvent } from '../domain/notification-event';
import { filtersOnTags, subscriptionMatches, type Subscription } from '../domain/subscription';
import { deliveryRecord } from './deliver-notifications';
import type { Clock, DeliveryJob, DeliveryLog, DeliveryQueue } from './ports';

const routed = metric.counter('geopulse_notifier_routed_total', 'Matched (event, subscription) pairs, by outcome', ['outcome']);

export interface RoutableEvent {
  event: NotificationEvent;
  recordKey: string | null;
  traceparent?: string;
}

/**
 * A consumed batch -> one delivery job per matching (event, subscription), queued durably
 * before the consumer commits its offsets. Redelivered events and throttled devices are
 * recognised by the queue, atomically.
 */
export class RouteEvents {
  constructor(
    private readonly subscriptions: (tenantId: string) => Promise<Subscription[]>,
    private readonly queue: DeliveryQueue,
    private readonly log: DeliveryLog,
    private readonly clock: Clock,
    /** The device's registry tags (cached by the adapter), read only for subscriptions that filter on tags. */
    private readonly tagsOf: (tenantId: string, deviceId: string) => Promise<readonly string[]> = async () => [],
  ) {}

  async execute(events: readonly RoutableEvent[]): Promise<{ enqueued: number; duplicate: number; throttled: number }> {
    const now = this.clock();
    const pending: Array<{ job: DeliveryJob; throttleMs: number }> = [];
    const byTenant = new Map<string, Subscription[]>();
    for (const { event, recordKey, traceparent } of events) {
      let subs = byTenant.get(event.tenantId);
      if (!subs) {
        subs = await this.subscriptions(event.tenantId);
        byTenant.set(event.tenantId, subs);
      }
      // A registry outage throws here: the batch is retried, nothing is routed on a guess.
      const deviceTags = subs.some(filtersOnTags) ? await this.tagsOf(event.tenantId, event.deviceId) : [];
      for (const sub of subs) {
        if (!subscriptionMatches(sub, event, deviceTags)) continue;
        pending.push({
          job: {
            id: deliveryId(event.eventId, sub.id), tenantId: event.tenantId, subscriptionId: sub.id, channel: sub.channel.type, event, recordKey,
            ...(traceparent ? { traceparent } : {}), attempts: 0, enqueuedAt: now,
          },
          throttleMs: (sub.throttle?.perDeviceSeconds ?? 0) * 1000,
        });
      }
    }
    const counts = { enqueued: 0, duplicate: 0, throttled: 0 };
    if (pending.length === 0) return counts;
    const results = await this.queue.enqueue(pending, now);
    const records = [];
    for (let i = 0; i < pending.length; i++) {
      counts[results[i]]++;
      routed.inc({ outcome: results[i] });
      if (results[i] === 'enqueued') records.push(deliveryRecord(pending[i].job, 'PENDING', now));
      if (results[i] === 'throttled') records.push(deliveryRecord(pending[i].job, 'THROTTLED', now));
    }
    await Promise.all(records.map((r) => this.log.create(r)));
    return counts;
  }
}
