import {
  deviceRecordKey,
  EVENT_TYPES,
  isRecord,
  parseAlertEventData,
  parseGeofenceForecastData,
  parseGeofenceTransitionData,
  tagStrings,
  type AlertEventData,
  type CloudEvent,
  type GeofenceTransitionData,
  type Severity,
  type TriggeringReading,
} from '@geopulse/contracts';

/** The event types a subscription can filter on (ARCHITECTURE.md, "Notifier"). */
export const NOTIFICATION_TYPES = ['alert.start', 'alert.stop', 'alert.insufficient_data', 'geofence.enter', 'geofence.exit', 'geofence.dwell', 'geofence.forecast'] as const;
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
  /** Tags the event itself carries (a list, or a key/value map read as `key:value`; docs/decisions/0107). */
  tags: string[];
  /** The CloudEvent as consumed (attributes + data). */
  cloudEvent: CloudEvent<unknown>;
}

export class InvalidNotificationEvent extends Error {
  constructor(readonly reason: 'unexpected-type' | 'invalid-alert' | 'invalid-geofence-transition', detail: string) {
    super(`${reason}: ${detail}`);
    this.name = 'InvalidNotificationEvent';
  }
}

/** Tags an event may carry (string values only), as tag strings: a map `{k: v}` is `k:v`. */
function tagList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((t): t is string => typeof t === 'string');
  if (!isRecord(value)) return [];
  return tagStrings(Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string')));
}

function scalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Metric values of the triggering readings; with several readings the newest wins per metric. */
function triggeringValues(readings: readonly TriggeringReading[]): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const reading of readings) {
    for (const [name, value] of Object.entries(reading.metrics ?? {})) if (scalar(value)) values[name] = value;
  }
  return values;
}

const ALERT_TYPES: Record<AlertEventData['status'], NotificationType> = { START: 'alert.start', STOP: 'alert.stop', INSUFFICIENT_DATA: 'alert.insufficient_data' };
const TRANSITION_TYPES: Record<GeofenceTransitionData['transition'], NotificationType> = { ENTER: 'geofence.enter', EXIT: 'geofence.exit', DWELL: 'geofence.dwell' };

/**
 * One parser for both consumed topics, on the contract's own parsers of alerts and geofence
 * transitions (libs/contracts), so the notifier accepts exactly what rules and geo publish.
 * Throws InvalidNotificationEvent with the dead-letter reason.
 */
export function parseNotificationEvent(cloudEvent: CloudEvent<unknown>, recordKey: string | null): NotificationEvent {
  const tags = tagList(isRecord(cloudEvent.data) ? cloudEvent.data.tags : undefined);
  const own = { eventId: cloudEvent.id, tags, cloudEvent };
  if (cloudEvent.type === EVENT_TYPES.alert) {
    const alert = parsed('invalid-alert', () => parseAlertEventData(cloudEvent.data));
    if (recordKey !== null && recordKey !== deviceRecordKey(alert.tenantId, alert.deviceId)) {
      throw new InvalidNotificationEvent('invalid-alert', 'record key must be <tenantId>:<deviceId> of the data');
    }
    return {
      ...own,
      tenantId: alert.tenantId,
      type: ALERT_TYPES[alert.status],
      deviceId: alert.deviceId,
      at: alert.at,
      severity: alert.severity,
      ruleId: alert.ruleId,
      ruleName: alert.ruleName,
      reason: alert.reason,
      values: triggeringValues(alert.triggeringReadings),
      ...(alert.traceId && TRACE_ID.test(alert.traceId) ? { traceId: alert.traceId } : {}),
    };
  }
  if (cloudEvent.type === EVENT_TYPES.geofenceTransition) {
    const t = parsed('invalid-geofence-transition', () => parseGeofenceTransitionData(cloudEvent.data));
    const values: Record<string, string | number | boolean> = {};
    for (const field of ['lat', 'lon', 'accuracy'] as const) {
      const value = t.position?.[field];
      if (scalar(value)) values[field] = value;
    }
    return {
      ...own,
      tenantId: t.tenantId,
      type: TRANSITION_TYPES[t.transition],
      deviceId: t.deviceId,
      at: t.at,
      geofenceId: t.geofenceId,
      geofenceName: t.geofenceName,
      reason: t.reason,
      values,
    };
  }
  if (cloudEvent.type === EVENT_TYPES.geofenceForecast) {
    const f = parsed('invalid-geofence-transition', () => parseGeofenceForecastData(cloudEvent.data));
    return {
      ...own,
      tenantId: f.tenantId,
      type: 'geofence.forecast',
      deviceId: f.deviceId,
      at: f.at,
      geofenceId: f.geofenceId,
      geofenceName: f.geofenceName,
      reason: `predicted to enter at ${f.predictedAt} (in ${Math.round(f.etaSeconds)} s, ${Math.round(f.distanceMeters)} m at ${f.speedMps} m/s)`,
      values: { lat: f.position.lat, lon: f.position.lon, etaSeconds: f.etaSeconds, distanceMeters: f.distanceMeters, predictedAt: f.predictedAt },
    };
  }
  throw new InvalidNotificationEvent('unexpected-type', cloudEvent.type);
}

const TRACE_ID = /^[0-9a-f]{32}$/;

function parsed<T>(reason: InvalidNotificationEvent['reason'], parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new InvalidNotificationEvent(reason, (err as Error).message);
  }
}
