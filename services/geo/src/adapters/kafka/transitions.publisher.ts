import { createHash } from 'node:crypto';
import { context, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { deviceRecordKey, EVENT_TYPES, eventSource, type GeofenceTransitionData } from '@geopulse/contracts';
import type { EventProducer, OutgoingEvent } from '@geopulse/kafka';
import { metric } from '@geopulse/observability';
import type { OutgoingTransition, TransitionPublisher } from '../../application/ports';

const transitionsTotal = metric.counter('geopulse_geo_transitions_total', 'Geofence transitions published', ['transition', 'reason']);

/** The same visit and transition always get the same id, so a replay is recognisable downstream. */
export function transitionEventId(t: OutgoingTransition): string {
  const h = createHash('sha1').update(`${t.tenantId}\n${t.deviceId}\n${t.transition.fenceId}\n${t.transition.visitStartedAt}\n${t.transition.transition}`).digest('hex');
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
 * `geopulse.geofence-events.v1`, key `<tenantId>:<deviceId>`. Each run of transitions caused
 * by the same reading is published inside that reading's trace context, so the trace
 * continues from ingest through geo; runs go out in order, one after another, so one device's
 * transitions keep their order on its partition.
 */
export class KafkaTransitionPublisher implements TransitionPublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(transitions: readonly OutgoingTransition[]): Promise<void> {
    let i = 0;
    while (i < transitions.length) {
      const ctx: Context | undefined = transitions[i].traceContext;
      let j = i + 1;
      while (j < transitions.length && transitions[j].traceContext === ctx) j++;
      const run = transitions.slice(i, j);
      await context.with(ctx ?? ROOT_CONTEXT, () => this.producer.publish('geofenceEvents', run.map(toEvent)));
      for (const t of run) transitionsTotal.inc({ transition: t.transition.transition, reason: t.transition.reason });
      i = j;
    }
  }
}
