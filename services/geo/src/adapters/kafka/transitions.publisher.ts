import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { deviceRecordKey, encodeCloudEvent, EVENT_TYPES, eventSource, type GeofenceTransitionData } from '@geopulse/contracts';
import { startProducerSpan, type EventProducer, type OutgoingEvent, type RawRecord } from '@geopulse/kafka';
import { injectTraceHeaders, metric } from '@geopulse/observability';
import type { OutgoingTransition, TransitionPublisher } from '../../application/ports';

const transitionsTotal = metric.counter('geopulse_geo_transitions_total', 'Geofence transitions published', ['transition', 'reason']);

/** The same visit and transition always get the same id, so a replay is recognisable downstream. */
export function transitionEventId(t: OutgoingTransition): string {
  return deterministicEventId(`${t.tenantId}\n${t.deviceId}\n${t.transition.fenceId}\n${t.transition.visitStartedAt}\n${t.transition.transition}`);
}

/** A UUID (version 5 layout) from the SHA-1 of `name`: the same name, the same event id. */
export function deterministicEventId(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function toEvent(t: OutgoingTransition): OutgoingEvent<GeofenceTransitionData> {
  const { transition: x } = t;
  const data: GeofenceTransitionData = {
    tenantId: t.tenantId,
    deviceId: t.deviceId,
    geofenceId: x.fenceId,
    geofenceName: x.fenceName,
    transition: x.transition,
    reason: x.reason,
    at: new Date(x.at).toISOString(),
    position: x.position,
    visitStartedAt: new Date(x.visitStartedAt).toISOString(),
  };
  if (x.readingId !== undefined) data.readingId = x.readingId;
  return {
    key: deviceRecordKey(t.tenantId, t.deviceId),
    event: { specversion: '1.0', id: transitionEventId(t), source: eventSource('geo'), type: EVENT_TYPES.geofenceTransition, time: data.at, subject: t.deviceId, datacontenttype: 'application/json', data },
  };
}

/**
 * `geopulse.geofence-events.v1`, key `<tenantId>:<deviceId>`. A batch's transitions go out in
 * one publish, in order (split into requests under the broker's limit, sent one after the
 * other, so one device's transitions keep their order on its partition; one too large on its
 * own is dead-lettered by the producer and the rest go out);
 * each record carries the trace of the reading that caused it: a producer span per reading,
 * child of that reading's consumer span, in its `traceparent`. Timer and fence-change
 * transitions start their own trace.
 */
export class KafkaTransitionPublisher implements TransitionPublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(transitions: readonly OutgoingTransition[]): Promise<void> {
    if (transitions.length === 0) return;
    const topic = this.producer.topic('geofenceEvents');
    const outgoing = transitions.map((t) => ({ parent: t.traceContext ?? ROOT_CONTEXT, ...toEvent(t) }));
    const byParent = new Map<Context, Array<OutgoingEvent<GeofenceTransitionData>['event']>>();
    for (const { parent, event } of outgoing) byParent.set(parent, [...(byParent.get(parent) ?? []), event]);
    const spans = new Map<Context, Span>([...byParent].map(([parent, events]) => [parent, startProducerSpan(topic, events, parent)]));
    const records: RawRecord[] = outgoing.map(({ parent, key, event }) => {
      const record = encodeCloudEvent(event, key);
      injectTraceHeaders(record.headers, trace.setSpan(parent, spans.get(parent) as Span));
      return record;
    });
    try {
      await this.producer.publishRaw(topic, records);
    } catch (err) {
      for (const span of spans.values()) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      for (const span of spans.values()) span.end();
    }
    for (const t of transitions) transitionsTotal.inc({ transition: t.transition.transition, reason: t.transition.reason });
  }
}
