import type { ComponentLogger } from '@geopulse/observability';
import { ReplayBuffer } from '../domain/stream/replay-buffer';
import type { CloseReason } from '../domain/stream/sse-format';
import type { LiveEvent } from '../domain/stream/stream-event';
import { needsTags, type StreamFilter } from '../domain/stream/stream-filter';
import { StreamSession, type StreamSessionSettings, type StreamSink } from './stream-session';

/** Port: a device's registry tags (cached by the adapter). */
export type DeviceTagsLookup = (tenantId: string, deviceId: string) => Promise<readonly string[]>;

export interface StreamHubMetrics {
  clients(delta: number): void;
  dropped(reason: CloseReason): void;
}

export interface StreamHubSettings extends StreamSessionSettings {
  /** Clients per replica; one more is refused with 503. */
  maxClients: number;
}

export class StreamCapacityError extends Error {
  constructor(readonly limit: number) {
    super(`this replica serves at most ${limit} stream clients`);
    this.name = 'StreamCapacityError';
  }
}

/**
 * The replica's live stream: every event of the stream consumer goes into the tenant's replay
 * buffer and to the tenant's sessions. `publish` never waits for a client (each session has
 * its own bounded buffer); it waits only for registry tags, when a client filters on them.
 */
export class StreamHub {
  private readonly sessions = new Map<string, Set<StreamSession>>();
  private count = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly buffer: ReplayBuffer,
    private readonly tagsOf: DeviceTagsLookup,
    private readonly settings: StreamHubSettings,
    private readonly clock: () => number,
    private readonly metrics: StreamHubMetrics,
    private readonly logger: ComponentLogger,
  ) {
    this.sweeper = setInterval(() => this.buffer.sweep(), 60_000);
    this.sweeper.unref();
  }

  hasCapacity(): boolean {
    return this.count < this.settings.maxClients;
  }

  get clientCount(): number {
    return this.count;
  }

  /** Opens a session: hello, then the replay after `lastEventId` (or a reset saying why there is none), then live events. */
  async open(tenantId: string, filter: StreamFilter, sink: StreamSink, lastEventId: string | undefined): Promise<StreamSession> {
    if (this.count >= this.settings.maxClients) throw new StreamCapacityError(this.settings.maxClients);
    // Tags of the replay's devices first; the replay itself is cut below, synchronously.
    const resume = lastEventId === undefined ? undefined : this.buffer.after(tenantId, lastEventId);
    const tags = new Map<string, readonly string[]>();
    if (resume?.ok && needsTags(filter)) {
      await Promise.all([...new Set(resume.events.map((e) => e.deviceId))].map(async (d) => tags.set(d, await this.tagsOf(tenantId, d))));
    }
    // From here on synchronous: the replay ends where live events begin, nothing falls in between.
    const current = lastEventId === undefined ? undefined : this.buffer.after(tenantId, lastEventId);
    const session = new StreamSession(tenantId, filter, sink, this.buffer.epoch, this.buffer.cursor(), this.settings, this.clock, (s, reason) => this.closed(s, reason));
    const set = this.sessions.get(tenantId) ?? new Set<StreamSession>();
    set.add(session);
    this.sessions.set(tenantId, set);
    this.count++;
    this.metrics.clients(1);
    session.hello({ epoch: this.buffer.epoch, resumed: current?.ok === true });
    if (current && !current.ok) session.reset(current.reason);
    if (current?.ok) session.replay(current.events, (d) => tags.get(d) ?? []);
    return session;
  }

  /** Events of one consumed batch, in order. */
  async publish(events: readonly LiveEvent[]): Promise<void> {
    if (events.length === 0) return;
    const tags = await this.lookupTags(events);
    for (const event of events) {
      const stamped = this.buffer.append(event);
      const sessions = this.sessions.get(event.tenantId);
      if (!sessions) continue;
      const deviceTags = tags.get(`${event.tenantId}:${event.deviceId}`);
      for (const session of sessions) session.offer(stamped, deviceTags);
    }
  }

  /** Ends every session (shutdown): each gets a `close` event naming the reason. */
  closeAll(): void {
    clearInterval(this.sweeper);
    for (const set of this.sessions.values()) for (const session of [...set]) session.close('shutdown');
  }

  private async lookupTags(events: readonly LiveEvent[]): Promise<Map<string, readonly string[]>> {
    const wanted = new Map<string, { tenantId: string; deviceId: string }>();
    for (const event of events) {
      const sessions = this.sessions.get(event.tenantId);
      if (!sessions || ![...sessions].some((s) => needsTags(s.filter))) continue;
      wanted.set(`${event.tenantId}:${event.deviceId}`, { tenantId: event.tenantId, deviceId: event.deviceId });
    }
    const out = new Map<string, readonly string[]>();
    await Promise.all([...wanted].map(async ([key, { tenantId, deviceId }]) => out.set(key, await this.tagsOf(tenantId, deviceId))));
    return out;
  }

  private closed(session: StreamSession, reason: CloseReason | 'client-gone'): void {
    const set = this.sessions.get(session.tenantId);
    if (!set?.delete(session)) return;
    if (set.size === 0) this.sessions.delete(session.tenantId);
    this.count--;
    this.metrics.clients(-1);
    if (reason !== 'client-gone') {
      this.metrics.dropped(reason);
      this.logger.warn('stream client closed by the server', { tenantId: session.tenantId, reason });
    }
  }
}
