import { Coalescer } from '../domain/stream/coalescer';
import { formatEventId } from '../domain/stream/replay-buffer';
import { sseMessage, type CloseReason } from '../domain/stream/sse-format';
import { COALESCED_TYPES, type StreamEvent } from '../domain/stream/stream-event';
import { matches, type StreamFilter } from '../domain/stream/stream-filter';

/** The client connection as the session sees it (an HTTP response in production). */
export interface StreamSink {
  /** false: the socket's buffer is full, wait for `onDrain` before writing more. */
  write(chunk: string): boolean;
  onDrain(listener: () => void): void;
  /** Ends the response after what was written. */
  end(): void;
  /** Drops the connection now. */
  destroy(): void;
}

export interface StreamSessionSettings {
  /** Least time between two `position` (and two `state`) events of one device; 0 sends every one. */
  coalesceMs: number;
  /** Bytes queued for a client that does not read before it is dropped. */
  maxBufferBytes: number;
  heartbeatMs: number;
  /** How long a dropped client may take to read its `close` event before the socket is destroyed. */
  closeGraceMs: number;
}

/**
 * One client of `GET /v1/stream`: filters the tenant's events, coalesces positions and states
 * per device, and queues what it sends in a bounded buffer of its own. A client that lets the
 * buffer overflow is dropped (`close` event, reason `slow-consumer`): the pipeline and the other
 * clients never wait for it. Every message carries an id that is a safe resume cursor: nothing
 * at or before it is still held back by coalescing.
 */
export class StreamSession {
  private readonly coalescer: Coalescer<StreamEvent>;
  private readonly queue: Array<{ chunk: string; bytes: number }> = [];
  private queuedBytes = 0;
  private waitingForDrain = false;
  private lastOfferedSeq: number;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushAt: number | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(
    readonly tenantId: string,
    readonly filter: StreamFilter,
    private readonly sink: StreamSink,
    private readonly epoch: string,
    startSeq: number,
    private readonly settings: StreamSessionSettings,
    private readonly clock: () => number,
    private readonly onClose: (session: StreamSession, reason: CloseReason | 'client-gone') => void,
  ) {
    this.coalescer = new Coalescer(settings.coalesceMs);
    this.lastOfferedSeq = startSeq;
    sink.onDrain(() => {
      this.waitingForDrain = false;
      this.pump();
    });
    this.heartbeat = setInterval(() => this.enqueue(sseMessage('heartbeat', { at: new Date(this.clock()).toISOString() }, this.cursorId())), settings.heartbeatMs);
    this.heartbeat.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /** The first message: where this stream stands (a client that received nothing yet can still resume). */
  hello(info: Record<string, unknown>): void {
    this.enqueue(`retry: 2000\n\n${sseMessage('hello', info, this.cursorId())}`);
  }

  /** Tells the client its Last-Event-ID could not be honoured: reload state, then follow live. */
  reset(reason: string): void {
    this.enqueue(sseMessage('reset', { reason }, this.cursorId()));
  }

  /** Replayed events after a resume: filtered, never coalesced (nothing in the window is missed). */
  replay(events: readonly StreamEvent[], tagsOf: (deviceId: string) => readonly string[]): void {
    for (const event of events) {
      if (matches(this.filter, event, tagsOf(event.deviceId))) this.send(event, event.seq);
    }
  }

  /** A live event of the tenant, in order; `deviceTags` are the device's registry tags when the filter needs them. */
  offer(event: StreamEvent, deviceTags: readonly string[] = []): void {
    if (this.closed) return;
    this.lastOfferedSeq = event.seq;
    if (!matches(this.filter, event, deviceTags)) return;
    if (!COALESCED_TYPES.has(event.type)) {
      this.send(event, this.cursor());
      return;
    }
    const now = this.clock();
    const decision = this.coalescer.offer(`${event.type}:${event.deviceId}`, event, now);
    if (decision.send) this.send(event, this.cursor());
    else this.scheduleFlush(decision.due, now);
  }

  close(reason: CloseReason | 'client-gone'): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (reason !== 'client-gone') {
      // Past whatever the socket still holds: a client that reads again sees why it was cut off.
      this.sink.write(sseMessage('close', { reason }));
      this.sink.end();
      setTimeout(() => this.sink.destroy(), this.settings.closeGraceMs).unref();
    }
    this.onClose(this, reason);
  }

  /** min(last offered, first held - 1): resuming from here misses nothing that is still held. */
  private cursor(): number {
    const held = this.coalescer.minHeldSeq();
    return held === undefined ? this.lastOfferedSeq : Math.min(this.lastOfferedSeq, held - 1);
  }

  private cursorId(): string {
    return formatEventId(this.epoch, this.cursor());
  }

  private send(event: StreamEvent, cursor: number): void {
    this.enqueue(sseMessage(event.type, event.data, formatEventId(this.epoch, cursor)));
  }

  private scheduleFlush(due: number, now: number): void {
    if (this.flushAt !== undefined && this.flushAt <= due) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushAt = due;
    this.flushTimer = setTimeout(() => this.flushHeld(), Math.max(0, due - now));
    this.flushTimer.unref();
  }

  private flushHeld(): void {
    this.flushTimer = undefined;
    this.flushAt = undefined;
    if (this.closed) return;
    const now = this.clock();
    for (const event of this.coalescer.takeDue(now)) this.send(event, this.cursor());
    const next = this.coalescer.nextDue();
    if (next !== undefined) this.scheduleFlush(next, now);
  }

  private enqueue(chunk: string): void {
    if (this.closed) return;
    const bytes = Buffer.byteLength(chunk);
    this.queue.push({ chunk, bytes });
    this.queuedBytes += bytes;
    if (this.queuedBytes > this.settings.maxBufferBytes) {
      this.close('slow-consumer');
      return;
    }
    this.pump();
  }

  /** Writes queued messages until the socket pushes back; resumes on drain. */
  private pump(): void {
    while (!this.waitingForDrain && !this.closed && this.queue.length > 0) {
      const { chunk, bytes } = this.queue.shift()!;
      this.queuedBytes -= bytes;
      if (!this.sink.write(chunk)) this.waitingForDrain = true;
    }
  }
}
