import { spansFromOtlpJson, type CollectedSpan } from './otlp-json';
import { trimSlash } from './http-json-client';

export interface FindTracesQuery {
  service: string;
  /** Span name; default any. */
  operation?: string;
  /** Default: the last hour. */
  since?: Date;
  until?: Date;
  /** How many traces at most (Jaeger's search depth); default 20. */
  limit?: number;
}

function byStartTime(a: CollectedSpan, b: CollectedSpan): number {
  const delta = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano);
  return delta < 0n ? -1 : delta > 0n ? 1 : 0;
}

/**
 * Reads traces from Jaeger's stable query API (v3, OTLP JSON inside `result`) as flat spans.
 * The query URL comes from JAEGER_QUERY_URL, which the stack sets.
 */
export class JaegerClient {
  private readonly baseUrl: string;

  constructor(url: string = process.env.JAEGER_QUERY_URL ?? '') {
    if (!url) throw new Error('JaegerClient needs the query URL (JAEGER_QUERY_URL)');
    this.baseUrl = trimSlash(url);
  }

  /** The trace's URL in the query API (JSON) or, with `ui`, in Jaeger's UI. */
  traceUrl(traceId: string, { ui = false } = {}): string {
    return ui ? `${this.baseUrl}/trace/${traceId}` : `${this.baseUrl}/api/v3/traces/${traceId}`;
  }

  /** Every span of the trace (hex id), ordered by start time; [] while Jaeger does not know it. */
  async trace(traceId: string): Promise<CollectedSpan[]> {
    const answer = await this.get(`/api/v3/traces/${encodeURIComponent(traceId)}`);
    return answer === undefined ? [] : spansOf(answer);
  }

  /** Names of the services Jaeger has received spans from. */
  async services(): Promise<string[]> {
    const answer = (await this.get('/api/v3/services')) as { services?: string[] } | undefined;
    return answer?.services ?? [];
  }

  /** Spans of the traces that have a span of `service` (named `operation`) in the time range. */
  async findTraces(query: FindTracesQuery): Promise<CollectedSpan[]> {
    const params = new URLSearchParams({
      'query.service_name': query.service,
      'query.start_time_min': (query.since ?? new Date(Date.now() - 3_600_000)).toISOString(),
      'query.start_time_max': (query.until ?? new Date(Date.now() + 60_000)).toISOString(),
      'query.num_traces': String(query.limit ?? 20),
    });
    if (query.operation !== undefined) params.set('query.operation_name', query.operation);
    const answer = await this.get(`/api/v3/traces?${params.toString()}`);
    return answer === undefined ? [] : spansOf(answer);
  }

  /** The answer's JSON; undefined on 404 (Jaeger's "not found"). */
  private async get(pathAndQuery: string): Promise<unknown> {
    const url = `${this.baseUrl}${pathAndQuery}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as unknown;
  }
}

/** Jaeger answers `{ result: TracesData }` (OTLP JSON); streamed answers hold several such objects. */
function spansOf(answer: unknown): CollectedSpan[] {
  const results = Array.isArray(answer) ? answer : [answer];
  return results
    .flatMap((entry) => spansFromOtlpJson((entry as { result?: unknown }).result ?? {}))
    .sort(byStartTime);
}
