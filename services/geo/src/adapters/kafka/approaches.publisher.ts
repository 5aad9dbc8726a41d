import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { deviceRecordKey, encodeCloudEvent, EVENT_TYPES, eventSource, type GeofenceForecastData } from '@geopulse/contracts';
import { startProducerSpan, type EventProducer } from '@geopulse/kafka';
import { injectTraceHeaders, metric } from '@geopulse/observability';
import type { ApproachPublisher, OutgoingApproach } from '../../application/ports';
import { deterministicEventId } from './transitions.publisher';

const forecastsTotal = metric.counter('geopulse_geo_forecasts_total', 'geofence.forecast events published (predicted ENTER within a fence’s forecastMinutes)');
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

function toData(a: OutgoingApproach): GeofenceForecastData {
  const { fence, event, motion } = a.alert;
  return {
    tenantId: a.tenantId,
    deviceId: a.deviceId,
    geofenceId: fence.id,
    geofenceName: fence.name,
    transition: 'ENTER',
    at: new Date(a.from.ts).toISOString(),
    predictedAt: new Date(a.from.ts + Math.round(event.etaSeconds * 1000)).toISOString(),
    etaSeconds: round(event.etaSeconds, 1),
    distanceMeters: round(event.distanceMeters, 1),
    speedMps: round(motion.speedMps ?? 0, 3),
    headingDegrees: round(motion.headingDegrees ?? 0, 2),
    position: { lat: a.from.lat, lon: a.from.lon },
    predictedPosition: { lat: round(event.position.lat, 7), lon: round(event.position.lon, 7) },
  };
}

/**
 * `io.geopulse.geofence.forecast.v1` on `geopulse.geofence-events.v1`, key `<tenant>:<device>`,
 * child of the reading's trace; the id is fixed per approach (tenant, device, fence, first fix),
 * so a replayed batch writes the same ids.
 */
export class KafkaApproachPublisher implements ApproachPublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(approaches: readonly OutgoingApproach[]): Promise<void> {
    if (approaches.length === 0) return;
    const topic = this.producer.topic('geofenceEvents');
    const records = approaches.map((a) => {
      const data = toData(a);
      const id = deterministicEventId(`${a.tenantId}\n${a.deviceId}\n${data.geofenceId}\n${a.alert.since}\nFORECAST`);
      const event = { specversion: '1.0' as const, id, source: eventSource('geo'), type: EVENT_TYPES.geofenceForecast, time: data.at, subject: a.deviceId, datacontenttype: 'application/json' as const, data };
      const parent = a.traceContext ?? ROOT_CONTEXT;
      const span = startProducerSpan(topic, [event], parent);
      const record = encodeCloudEvent(event, deviceRecordKey(a.tenantId, a.deviceId));
      injectTraceHeaders(record.headers, trace.setSpan(parent, span));
      span.end();
      return record;
    });
    await this.producer.publishRaw(topic, records);
    forecastsTotal.inc(approaches.length);
  }
}
