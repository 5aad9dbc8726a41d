import type { SimulatedReading } from '../domain/device-feed';
import { parseRetryAfter } from '../domain/retry-delay';
import type { IngestPort, PostOutcome } from '../application/run-feed';

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  errors?: Array<{ index?: number; path?: string; message?: string }>;
}

const MAX_DETAIL = 240;

function describeError(body: ErrorBody, status: number): { code: string; message: string } {
  const code = typeof body.code === 'string' ? body.code : `HTTP_${status}`;
  let message = typeof body.message === 'string' ? body.message : '';
  const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
  if (first) {
    const more = body.errors!.length > 1 ? ` (+${body.errors!.length - 1} more)` : '';
    message += `: [${first.index ?? '?'}]${first.path ?? ''} ${first.message ?? ''}${more}`;
  }
  return { code, message: message.slice(0, MAX_DETAIL) };
}

interface FetchFailure {
  name?: unknown;
  message?: unknown;
  cause?: { code?: unknown; message?: unknown };
}

/** A short reason for a failed fetch: the socket error code (ECONNREFUSED, ...) when there is one. */
function causeOf(error: unknown): string {
  // Duck-typed: undici's errors may come from another realm (Jest), so no instanceof.
  const failure = (typeof error === 'object' && error !== null ? error : {}) as FetchFailure;
  if (failure.name === 'TimeoutError') return 'request timed out';
  if (typeof failure.cause?.code === 'string') return failure.cause.code;
  if (typeof failure.cause?.message === 'string') return failure.cause.message;
  return typeof failure.message === 'string' ? failure.message : String(error);
}

/** POST /v1/telemetry with an operator token; never throws, every result is a PostOutcome. */
export class IngestClient implements IngestPort {
  private readonly url: string;

  constructor(
    baseUrl: string,
    private readonly token: () => Promise<string>,
    private readonly timeoutMs: number,
  ) {
    this.url = new URL('/v1/telemetry', baseUrl).toString();
  }

  async post(readings: SimulatedReading[], signal: AbortSignal): Promise<PostOutcome> {
    const started = Date.now();
    const latency = () => Date.now() - started;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.token()}` },
        body: JSON.stringify({ readings }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = {};
      }
      const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      if (response.status === 202) {
        const accepted = typeof record.accepted === 'number' ? record.accepted : readings.length;
        return { kind: 'accepted', status: response.status, accepted, latencyMs: latency() };
      }
      return {
        kind: 'rejected',
        status: response.status,
        ...describeError(record as ErrorBody, response.status),
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
        latencyMs: latency(),
      };
    } catch (error) {
      return { kind: 'unreachable', error: causeOf(error), latencyMs: latency() };
    }
  }
}
