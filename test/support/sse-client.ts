import * as http from 'node:http';

export interface ReceivedEvent {
  event: string;
  id?: string;
  data: Record<string, unknown>;
  /** Date.now() when the message was complete. */
  at: number;
}

/**
 * A Server-Sent Events client over node:http that records every message with its arrival
 * time. `pause()` stops reading the socket (a client that fell asleep), `resume()` reads on.
 */
export class SseClient {
  readonly events: ReceivedEvent[] = [];
  status?: number;
  ended = false;
  private response?: http.IncomingMessage;
  private request?: http.ClientRequest;
  private buffer = '';

  private constructor() {}

  static async open(url: string, token: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    await new Promise<void>((resolve, reject) => {
      client.request = http.get(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers } }, (res) => {
        client.response = res;
        client.status = res.statusCode;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.onData(chunk));
        res.on('end', () => (client.ended = true));
        res.on('close', () => (client.ended = true));
        res.on('error', () => (client.ended = true));
        resolve();
      });
      client.request.on('error', reject);
    });
    return client;
  }

  /** Messages of these event names (not hello, heartbeat). */
  of(...names: string[]): ReceivedEvent[] {
    return this.events.filter((e) => names.includes(e.event));
  }

  /** The id of the last message that had one. */
  lastId(): string | undefined {
    return this.events.filter((e) => e.id !== undefined).at(-1)?.id;
  }

  pause(): void {
    this.response?.pause();
  }

  resume(): void {
    this.response?.resume();
  }

  close(): void {
    this.request?.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const colon = line.indexOf(': ');
        if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2));
      }
      const data = fields.get('data');
      if (data === undefined) continue;
      this.events.push({ event: fields.get('event') ?? 'message', ...(fields.has('id') ? { id: fields.get('id') } : {}), data: JSON.parse(data) as Record<string, unknown>, at: Date.now() });
    }
  }
}
