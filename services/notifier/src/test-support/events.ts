/**
 * Events as rules and geo publish them, for the notifier's unit specs: one fixture instead of a
 * hand-written copy per spec (not part of the build).
 */
import { EVENT_TYPES, type AlertEventData } from '@geopulse/contracts';
import { parseNotificationEvent, type NotificationEvent } from '../domain/notification-event';

export const ALERT_DATA: AlertEventData = {
  tenantId: 't1', alertId: 'a', ruleId: 'r1', ruleName: 'R', ruleVersion: 1, deviceId: 'dev-1', status: 'START', severity: 'CRITICAL',
  at: '2026-11-22T10:00:00.000Z', reason: 'x', triggeringReadings: [],
};

/** An alert as the notifier parses it from its topic; `data` overrides ALERT_DATA, the record key follows tenant and device. */
export function alertEvent(data: Partial<AlertEventData> | Record<string, unknown> = {}, id = 'e1', recordKey?: string): NotificationEvent {
  const merged = { ...ALERT_DATA, ...data } as AlertEventData;
  return parseNotificationEvent(
    { specversion: '1.0', id, source: '/geopulse/rules', type: EVENT_TYPES.alert, time: '2026-11-22T10:00:00.000Z', datacontenttype: 'application/json', data: merged },
    recordKey ?? `${merged.tenantId}:${merged.deviceId}`,
  );
}
