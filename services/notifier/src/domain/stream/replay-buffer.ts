import type { LiveEvent, StreamEvent } from './stream-event';

/** How long and how many events of a tenant are kept for `Last-Event-ID` resumes. */
export interface ReplayWindow {
  maxEvents: number;
  maxAgeMs: number;
}

export type ResumeResult =
  | { ok: true; events: StreamEvent[] }
  /** The id was given out by another replica or an earlier run, or fell out of the window. */
  | { ok: false; reason: 'unknown-stream' | 'outside-window' | 'invalid-id' };

/**
 * The SSE id of an event is `<epoch>-<seq>`: the epoch names this replica's run (ids of another
 * replica or an earlier run are refused, never misread), the sequence counts the run's events
 * of all tenants. `Last-Event-ID` is a cursor: everything after it is still to be sent.
 */
export function formatEventId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

export function parseEventId(id: string): { epoch: string; seq: number } | undefined {
  const dash = id.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const seq = Number(id.slice(dash + 1));
  if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { epoch: id.slice(0, dash), seq };
}

interface Held {
  event: StreamEvent;
  at: number;
}

/**
 * A bounded ring of recent events per tenant, in arrival order: the last `maxEvents`, none
 * older than `maxAgeMs`. A resume gets the events after its cursor when the cursor is still
 * inside the window (nothing between it and now was evicted).
 */
export class ReplayBuffer {
  private seq = 0;
  private readonly tenants = new Map<string, { ring: Held[]; head: number; evictedUpTo: number }>();

  constructor(
    readonly epoch: string,
    private readonly window: ReplayWindow,
    private readonly clock: () => number,
  ) {}

  /** The current cursor: a client starting now resumes from here. */
  cursor(): number {
    return this.seq;
  }

  append(event: LiveEvent): StreamEvent {
    const stamped: StreamEvent = { ...event, seq: ++this.seq };
    const now = this.clock();
    let tenant = this.tenants.get(event.tenantId);
    if (!tenant) {
      tenant = { ring: [], head: 0, evictedUpTo: stamped.seq - 1 };
      this.tenants.set(event.tenantId, tenant);
    }
    tenant.ring.push({ event: stamped, at: now });
    this.evict(tenant, now);
    return stamped;
  }

  /** Events of the tenant after the cursor `lastEventId`, in order. */
  after(tenantId: string, lastEventId: string): ResumeResult {
    const parsed = parseEventId(lastEventId);
    if (!parsed) return { ok: false, reason: 'invalid-id' };
    if (parsed.epoch !== this.epoch || parsed.seq > this.seq) return { ok: false, reason: 'unknown-stream' };
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return { ok: true, events: [] };
    this.evict(tenant, this.clock());
    if (parsed.seq < tenant.evictedUpTo) return { ok: false, reason: 'outside-window' };
    const events: StreamEvent[] = [];
    for (let i = tenant.head; i < tenant.ring.length; i++) if (tenant.ring[i].event.seq > parsed.seq) events.push(tenant.ring[i].event);
    return { ok: true, events };
  }

  /** Drops tenants whose window emptied (no events for longer than the window). */
  sweep(): void {
    const now = this.clock();
    for (const [id, tenant] of this.tenants) {
      this.evict(tenant, now);
      if (tenant.head >= tenant.ring.length) this.tenants.delete(id);
    }
  }

  private evict(tenant: { ring: Held[]; head: number; evictedUpTo: number }, now: number): void {
    const live = tenant.ring.length - tenant.head;
    let drop = Math.max(0, live - this.window.maxEvents);
    while (tenant.head + drop < tenant.ring.length && now - tenant.ring[tenant.head + drop].at > this.window.maxAgeMs) drop++;
    if (drop > 0) {
      tenant.evictedUpTo = tenant.ring[tenant.head + drop - 1].event.seq;
      tenant.head += drop;
    }
    // Compact once the dead prefix outgrows the live part, so memory stays O(maxEvents).
    if (tenant.head > 1024 && tenant.head > tenant.ring.length / 2) {
      tenant.ring = tenant.ring.slice(tenant.head);
      tenant.head = 0;
    }
  }
}
