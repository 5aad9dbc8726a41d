import type { CollectedSpan } from './otlp-json';

export interface SpanQuery {
  service?: string;
  name?: string;
  traceId?: string;
  limit?: number;
}

/**
 * Spans in arrival order, bounded: past `capacity` the oldest are dropped, so a long test run
 * cannot grow the collector without limit.
 */
export class SpanStore {
  private readonly spans: Array<CollectedSpan | undefined> = [];
  private head = 0;
  private readonly byTrace = new Map<string, CollectedSpan[]>();

  constructor(readonly capacity = 200_000) {}

  get size(): number {
    return this.spans.length - this.head;
  }

  add(spans: CollectedSpan[]): void {
    for (const span of spans) {
      this.spans.push(span);
      const trace = this.byTrace.get(span.traceId);
      if (trace) trace.push(span);
      else this.byTrace.set(span.traceId, [span]);
    }
    while (this.size > this.capacity) this.evictOldest();
    // Compact the array now and then instead of shifting on every eviction.
    if (this.head > 10_000 && this.head > this.spans.length / 2) {
      this.spans.splice(0, this.head);
      this.head = 0;
    }
  }

  private evictOldest(): void {
    const oldest = this.spans[this.head];
    this.spans[this.head] = undefined;
    this.head += 1;
    if (!oldest) return;
    const trace = this.byTrace.get(oldest.traceId);
    if (!trace) return;
    // The oldest span overall is the oldest of its trace.
    trace.shift();
    if (trace.length === 0) this.byTrace.delete(oldest.traceId);
  }

  /** Every stored span of the trace, ordered by start time. */
  trace(traceId: string): CollectedSpan[] {
    const spans = this.byTrace.get(traceId.toLowerCase()) ?? [];
    return [...spans].sort((a, b) => compareNanos(a.startTimeUnixNano, b.startTimeUnixNano));
  }

  query(query: SpanQuery): CollectedSpan[] {
    const source = query.traceId ? this.trace(query.traceId) : this.all();
    const matches = source.filter(
      (span) =>
        (query.service === undefined || span.serviceName === query.service) &&
        (query.name === undefined || span.name === query.name),
    );
    return query.limit !== undefined ? matches.slice(-query.limit) : matches;
  }

  clear(): void {
    this.spans.length = 0;
    this.head = 0;
    this.byTrace.clear();
  }

  private all(): CollectedSpan[] {
    return this.spans.slice(this.head).filter((span): span is CollectedSpan => span !== undefined);
  }
}

function compareNanos(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
