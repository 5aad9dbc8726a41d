import type { CollectedSpan } from '../servers/otlp-json';
import { requestJson, trimSlash } from './http-json-client';

/** Reads and clears the spans the test collector received (OTLP_QUERY_URL). */
export class OtlpQueryClient {
  private readonly baseUrl: string;

  constructor(url: string = process.env.OTLP_QUERY_URL ?? '') {
    if (!url) throw new Error('OtlpQueryClient needs the query URL (OTLP_QUERY_URL)');
    this.baseUrl = trimSlash(url);
  }

  /** Every span received for the trace (hex id), ordered by start time; [] when none yet. */
  async trace(traceId: string): Promise<CollectedSpan[]> {
    const answer = await requestJson<{ spans: CollectedSpan[] }>('GET', `${this.baseUrl}/api/traces/${encodeURIComponent(traceId)}`);
    return answer?.spans ?? [];
  }

  /** Spans filtered by service.name and/or span name, in arrival order. */
  async spans(filter: { service?: string; name?: string } = {}): Promise<CollectedSpan[]> {
    const params = new URLSearchParams();
    if (filter.service !== undefined) params.set('service', filter.service);
    if (filter.name !== undefined) params.set('name', filter.name);
    const query = params.toString() ? `?${params.toString()}` : '';
    const answer = await requestJson<{ spans: CollectedSpan[] }>('GET', `${this.baseUrl}/api/spans${query}`);
    return answer?.spans ?? [];
  }

  async clear(): Promise<void> {
    await requestJson('DELETE', `${this.baseUrl}/api/spans`);
  }
}
