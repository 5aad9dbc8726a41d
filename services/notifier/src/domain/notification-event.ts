import { SEVERITIES, EVENT_TYPES, type Severity, type CloudEvent } from '@geopulse/contracts';

/** The event types a subscription can filter on (ARCHITECTURE.md, "Notifier"). */
export const NOTIFICATION_TYPES = ['alert.start', 'alert.stop', 'alert.insufficient_data', 'geofence.enter', 'geofence.exit', 'geofence.dwell'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * An alert or geofence transition as the notifier sees it: what subscriptions filter on and
 * what templates name, plus the original CloudEvent so webhooks forward it unchanged.
 */
export interface NotificationEvent {
  eventId: string;
  tenantId: string;
  type: NotificationType;
  deviceId: string;
  /** Event time of the transition (ISO-8601). */
  at: string;
  severity?: Severity;
  ruleId?: string;
  ruleName?: string;
  geofenceId?: string;
  geofenceName?: string;
  reason?: string;
  /** Metric values (alerts) or the position (geofences) that triggered it, flat. */
  values: Record<string, string | number | boolean>;
  traceId?: string;
  tags: Record<string, string>;
  /** The CloudEvent as consumed (attributes + data). */
  cloudEvent: CloudEvent<unknown>;
}

export class InvalidNotificationEvent extends Error {
  constructor(readonly reason: 'unexpected-type' | 'invalid-alert' | 'invalid-geofence-event', detail: string) {
    super(`${reason}: ${detail}`);
    this.name = 'InvalidNotificationEvent';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const TRACE_ID = /^[0-9a-f]{32}$/;

function str(data: Obj, field: string, reason: InvalidNotificationEvent['reason'], optional = false): string | undefined {
  const value = data[field];
  if (typeof value === 'string' && value !== '') return value;
  if (optional && value === undefined) return undefined;
  throw new InvalidNotificationEvent(reason, `/${field} must be a non-empty string`);
}

function stringMap(value: unknown): Record<string, string> {
  if (!isObj(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function scalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Metric values of the triggering readings; with several readings the newest wins per metric. */
function triggeringValues(readings: unknown): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  if (!Array.isArray(readings)) return values;
  for (const reading of readings) {
    if (!isObj(reading) || !isObj(reading.metrics)) continue;
    for (const [name, value] of Object.entries(reading.metrics)) if (scalar(value)) values[name] = value;
  }
  return values;
}

/** The tenant is the first part of the record key `<tenantId>:<deviceId>` unless the data names it. */
function tenantOf(data: Obj, recordKey: string | null): string | undefined {
  if (typeof data.tenantId === 'string' && data.tenantId !== '') return data.tenantId;
  if (recordKey === null) return undefined;
  const colon = recordKey.indexOf(':');
  return colon > 0 ? recordKey.slice(0, colon) : undefined;
}

/** One parser for both consumed topics: alerts and geofence transitions. Throws InvalidNotificationEvent. */
export function parseNotificationEvent(cloudEvent: CloudEvent<unknown>, recordKey: string | null): NotificationEvent {
  const data = cloudEvent.data;
  if (cloudEvent.type === EVENT_TYPES.alert) {
    if (!isObj(data)) throw new InvalidNotificationEvent('invalid-alert', 'data must be an object');
    const status = data.status;
    const type: NotificationType | undefined =
      status === 'START' ? 'alert.start' : status === 'STOP' ? 'alert.stop' : status === 'INSUFFICIENT_DATA' ? 'alert.insufficient_data' : undefined;
    if (!type) throw new InvalidNotificationEvent('invalid-alert', '/status must be START, STOP or INSUFFICIENT_DATA');
    const severity = data.severity;
    if (!(SEVERITIES as readonly unknown[]).includes(severity)) {
      throw new InvalidNotificationEvent('invalid-alert', `/severity must be one of ${SEVERITIES.join(', ')}`);
    }
    const tenantId = tenantOf(data, recordKey);
    if (!tenantId) throw new InvalidNotificationEvent('invalid-alert', 'record key must be <tenantId>:<deviceId>');
    const traceId = typeof data.traceId === 'string' && TRACE_ID.test(data.traceId) ? data.traceId : undefined;
    return {
      eventId: cloudEvent.id,
      tenantId,
      type,
      deviceId: str(data, 'deviceId', 'invalid-alert')!,
      at: str(data, 'at', 'invalid-alert', true) ?? cloudEvent.time,
      severity: severity as Severity,
      ruleId: str(data, 'ruleId', 'invalid-alert')!,
      ruleName: str(data, 'ruleName', 'invalid-alert', true),
      reason: str(data, 'reason', 'invalid-alert', true),
      values: triggeringValues(data.triggeringReadings),
      ...(traceId ? { traceId } : {}),
      tags: stringMap(data.tags),
      cloudEvent,
    };
  }
  if (cloudEvent.type === EVENT_TYPES.geofenceTransition) {
    if (!isObj(data)) throw new InvalidNotificationEvent('invalid-geofence-event', 'data must be an object');
    const transition = data.transition;
    const type: NotificationType | undefined =
      transition === 'ENTER' ? 'geofence.enter' : transition === 'EXIT' ? 'geofence.exit' : transition === 'DWELL' ? 'geofence.dwell' : undefined;
    if (!type) throw new InvalidNotificationEvent('invalid-geofence-event', '/transition must be ENTER, EXIT or DWELL');
    const tenantId = tenantOf(data, recordKey);
    if (!tenantId) throw new InvalidNotificationEvent('invalid-geofence-event', '/tenantId is missing');
    const values: Record<string, string | number | boolean> = {};
    if (isObj(data.position)) {
      for (const field of ['lat', 'lon', 'accuracy']) if (scalar(data.position[field])) values[field] = data.position[field] as number;
    }
    const traceId = typeof data.traceId === 'string' && TRACE_ID.test(data.traceId) ? data.traceId : undefined;
    return {
      eventId: cloudEvent.id,
      tenantId,
      type,
      deviceId: str(data, 'deviceId', 'invalid-geofence-event')!,
      at: str(data, 'at', 'invalid-geofence-event', true) ?? cloudEvent.time,
      geofenceId: str(data, 'geofenceId', 'invalid-geofence-event')!,
      geofenceName: str(data, 'geofenceName', 'invalid-geofence-event', true),
      reason: str(data, 'reason', 'invalid-geofence-event', true),
      values,
      ...(traceId ? { traceId } : {}),
      tags: stringMap(data.tags),
      cloudEvent,
    };
  }
  throw new InvalidNotificationEvent('unexpected-type', cloudEvent.type);
}
