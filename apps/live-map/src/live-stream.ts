import { SseParser } from './sse-parser.js';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface LiveStreamOptions {
  url: string;
  token: string;
  onEvent: (event: string, data: Record<string, unknown>) => void;
  onStatus: (status: StreamStatus, detail?: string) => void;
}

/**
 * Follows `GET /v1/stream` with fetch (EventSource cannot send the Authorization header) and
 * reconnects after a drop with `Last-Event-ID`, so nothing in the server's window is missed.
 * Returns a function that stops it.
 */
export function followStream(options: LiveStreamOptions): () => void {
  const abort = new AbortController();
  let lastEventId: string | undefined;
  let attempt = 0;

  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      options.onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
      try {
        const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' };
        if (lastEventId) headers['last-event-id'] = lastEventId;
        const response = await fetch(options.url, { headers, signal: abort.signal, cache: 'no-store' });
        if (response.status === 401 || response.status === 403) {
          options.onStatus('unauthorized', `${response.status}: ${await response.text()}`);
          return;
        }
        if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
        const parser = new SseParser(lastEventId);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const message of parser.push(value)) {
            lastEventId = message.lastEventId;
            if (message.event === 'hello') {
              attempt = 0;
              options.onStatus('live');
            }
            options.onEvent(message.event, JSON.parse(message.data) as Record<string, unknown>);
          }
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        options.onStatus('reconnecting', (err as Error).message);
      }
      attempt++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** Math.min(attempt, 5))));
    }
  };
  void run();
  return () => abort.abort();
}
