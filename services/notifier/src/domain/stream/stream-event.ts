import type { TelemetryReading } from '@geopulse/contracts';
import type { NotificationEvent } from '../notification-event';

/** What `GET /v1/stream` sends, by SSE `event:` name (the `types` filter). */
export const STREAM_TYPES = ['position', 'state', 'alert', 'geofence'] as const;
export type StreamType = (typeof STREAM_TYPES)[number];

/** Types coalesced per device per client (the newest wins); alerts and geofence events never are. */
export const COALESCED_TYPES: ReadonlySet<StreamType> = new Set<StreamType>(['position', 'state']);

/**
 * One event of a tenant's live stream, before it has a place in the replay buffer. `data` is
 * what the client gets as JSON; `position` is what the bbox filter looks at.
 */
export interface LiveEvent {
  type: StreamType;
  tenantId: string;
  deviceId: string;
  position?: { lat: number; lon: number };
  data: Record<string, unknown>;
}

/** A live event with its sequence number in the tenant's replay buffer (the SSE id is built from it). */
export interface StreamEvent extends LiveEvent {
  seq: number;
}

/** A reading becomes a `position` event (when it has one) and a `state` event (when it has metrics). */
export function readingEvents(reading: TelemetryReading, traceId: string | undefined): LiveEvent[] {
  const base = { tenantId: reading.tenantId, deviceId: reading.deviceId };
  const common = { deviceId: reading.deviceId, ts: reading.ts, readingId: reading.id, ...(traceId ? { traceId } : {}) };
  const events: LiveEvent[] = [];
  if (reading.position) {
    const { lat, lon } = reading.position;
    events.push({ ...base, type: 'position', position: { lat, lon }, data: { ...common, position: reading.position } });
  }
  if (reading.metrics) {
    events.push({
      ...base,
      type: 'state',
      ...(reading.position ? { position: { lat: reading.position.lat, lon: reading.position.lon } } : {}),
      data: { ...common, metrics: reading.metrics, ...(reading.position ? { position: reading.position } : {}) },
    });
  }
  return events;
}

/** The `transition` of a `geofence` stream event; a forecast is a predicted ENTER. */
const STREAM_TRANSITIONS = { 'geofence.enter': 'ENTER', 'geofence.exit': 'EXIT', 'geofence.dwell': 'DWELL', 'geofence.forecast': 'FORECAST' } as const;

/** An alert or a geofence transition (as the notifier parsed it) becomes an `alert` or `geofence` event. */
export function notificationStreamEvent(event: NotificationEvent): LiveEvent {
  const common = {
    eventId: event.eventId,
    deviceId: event.deviceId,
    at: event.at,
    ...(event.traceId ? { traceId: event.traceId } : {}),
    ...(event.reason ? { reason: event.reason } : {}),
  };
  const base = { tenantId: event.tenantId, deviceId: event.deviceId };
  if (event.type.startsWith('alert.')) {
    const status = event.type === 'alert.start' ? 'START' : event.type === 'alert.stop' ? 'STOP' : 'INSUFFICIENT_DATA';
    return {
      ...base,
      type: 'alert',
      data: { ...common, status, severity: event.severity, ruleId: event.ruleId, ...(event.ruleName ? { ruleName: event.ruleName } : {}), values: event.values },
    };
  }
  const transition = STREAM_TRANSITIONS[event.type as Exclude<NotificationEvent['type'], `alert.${string}`>];
  const { lat, lon } = event.values;
  const position = typeof lat === 'number' && typeof lon === 'number' ? { lat, lon } : undefined;
  return {
    ...base,
    type: 'geofence',
    ...(position ? { position } : {}),
    data: { ...common, transition, geofenceId: event.geofenceId, ...(event.geofenceName ? { geofenceName: event.geofenceName } : {}), ...(position ? { position } : {}) },
  };
}
