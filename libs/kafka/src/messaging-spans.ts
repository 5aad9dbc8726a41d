import { SpanKind, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { CloudEvent } from '@geopulse/contracts';
import { DEVICE_ATTRIBUTE, TENANT_ATTRIBUTE } from '@geopulse/observability';

const tracer = trace.getTracer('@geopulse/kafka');

function stringField(data: unknown, field: string): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const value = (data as Record<string, unknown>)[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * OpenTelemetry messaging attributes of one CloudEvent on a Kafka topic: its id as
 * `messaging.message.id`, and the tenant and device (every geopulse event's data names them;
 * the subject is the device) as `geopulse.tenant` and `geopulse.device_id`.
 */
export function eventSpanAttributes(event: Pick<CloudEvent<unknown>, 'id' | 'subject' | 'data'>): Attributes {
  const attributes: Attributes = { 'messaging.message.id': event.id };
  const tenant = stringField(event.data, 'tenantId');
  const device = stringField(event.data, 'deviceId') ?? event.subject;
  if (tenant) attributes[TENANT_ATTRIBUTE] = tenant;
  if (device) attributes[DEVICE_ATTRIBUTE] = device;
  return attributes;
}

/**
 * Attributes of a span over several events: the per-event ones where every event agrees (one
 * event: all of them), and the batch size.
 */
export function batchSpanAttributes(events: ReadonlyArray<Pick<CloudEvent<unknown>, 'id' | 'subject' | 'data'>>): Attributes {
  if (events.length === 1) return eventSpanAttributes(events[0]);
  const [first, ...rest] = events.map(eventSpanAttributes);
  const common: Attributes = { 'messaging.batch.message_count': events.length };
  for (const key of [TENANT_ATTRIBUTE, DEVICE_ATTRIBUTE]) {
    if (first?.[key] !== undefined && rest.every((other) => other[key] === first[key])) common[key] = first[key];
  }
  return common;
}

/** `messaging.*` attributes shared by producer (`send`) and consumer (`process`) spans of a topic. */
export function messagingAttributes(topic: string, operation: 'send' | 'process'): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.destination.name': topic,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
  };
}

/**
 * A producer span `<topic> publish` for events sent in one request, child of `parent`; inject
 * its context into the records' headers so consumers continue the trace from it.
 */
export function startProducerSpan(topic: string, events: ReadonlyArray<Pick<CloudEvent<unknown>, 'id' | 'subject' | 'data'>>, parent: Context): Span {
  return tracer.startSpan(
    `${topic} publish`,
    { kind: SpanKind.PRODUCER, attributes: { ...messagingAttributes(topic, 'send'), ...batchSpanAttributes(events) } },
    parent,
  );
}
