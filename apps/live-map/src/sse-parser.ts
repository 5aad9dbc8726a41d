/** One Server-Sent Events message as the spec assembles it. */
export interface SseMessage {
  event: string;
  data: string;
  /** The last id seen on the stream so far (ids persist across messages). */
  lastEventId?: string;
}

/**
 * An incremental `text/event-stream` parser (the WHATWG algorithm, minus `retry`): feed it
 * decoded chunks as they arrive, get the complete messages. Used with fetch, because
 * EventSource cannot send the Authorization header.
 */
export class SseParser {
  private pending = '';
  private event = '';
  private data: string[] = [];
  private lastEventId: string | undefined;

  constructor(lastEventId?: string) {
    this.lastEventId = lastEventId;
  }

  push(chunk: string): SseMessage[] {
    this.pending += chunk;
    const out: SseMessage[] = [];
    let newline: RegExpExecArray | null;
    const lineEnd = /\r\n|\r|\n/g;
    let consumed = 0;
    while ((newline = lineEnd.exec(this.pending)) !== null) {
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (newline[0] === '\r' && newline.index === this.pending.length - 1) break;
      const line = this.pending.slice(consumed, newline.index);
      consumed = newline.index + newline[0].length;
      const message = this.line(line);
      if (message) out.push(message);
    }
    this.pending = this.pending.slice(consumed);
    return out;
  }

  get currentId(): string | undefined {
    return this.lastEventId;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const message: SseMessage = { event: this.event || 'message', data: this.data.join('\n'), ...(this.lastEventId !== undefined ? { lastEventId: this.lastEventId } : {}) };
      this.event = '';
      this.data = [];
      return message;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    return undefined;
  }
}
