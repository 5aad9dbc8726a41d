import { context, propagation, trace, type Context } from '@opentelemetry/api';

/**
 * W3C trace context across Kafka: producers inject `traceparent`/`tracestate` into record
 * headers, consumers extract them so the consumer span is a child of the producer's.
 */
export function injectTraceHeaders(headers: Record<string, string>, ctx: Context = context.active()): Record<string, string> {
  propagation.inject(ctx, headers, {
    set: (carrier, key, value) => {
      carrier[key] = value;
    },
  });
  return headers;
}

export function extractTraceContext(headers: Readonly<Record<string, string>>): Context {
  return propagation.extract(context.active(), headers, {
    get: (carrier, key) => carrier[key],
    keys: (carrier) => Object.keys(carrier),
  });
}

/** The trace id of the active span, or undefined. */
export function activeTraceId(ctx: Context = context.active()): string | undefined {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/**
 * A trace's link: `{{traceId}}` in the template (e.g. http://jaeger:16686/trace/{{traceId}})
 * replaced; undefined without a template or a trace id. Other placeholders become ''.
 */
export function traceUrl(urlTemplate: string | undefined, traceId: string | undefined): string | undefined {
  if (!traceId || !urlTemplate) return undefined;
  return urlTemplate.replace(/\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => (name === 'traceId' ? encodeURIComponent(traceId) : ''));
}
