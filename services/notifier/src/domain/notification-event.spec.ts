import { EVENT_TYPES, type CloudEvent } from '@geopulse/contracts';
import { InvalidNotificationEvent, parseNotificationEvent } from './notification-event';

const ce = (type: string, data: unknown): CloudEvent<unknown> => ({
  specversion: '1.0', id: 'ev-1', source: '/geopulse/rules', type, time: '2026-11-22T10:00:01.000Z', datacontenttype: 'application/json', data,
});

const alert = {
  tenantId: 'tenant-a', ruleVersion: 3,
  alertId: 'a-1', ruleId: 'hot-office', ruleName: 'Hot office', deviceId: 'thermo-1', status: 'START', severity: 'CRITICAL',
  at: '2026-11-22T10:00:00.000Z', reason: 'temperature > 30', triggeringReadings: [{ id: 'r1', metrics: { temperature: 31.5, mode: 'heat' } }],
  traceId: '0af7651916cd43dd8448eb211c80319c',
};

describe('parseNotificationEvent', () => {
  it('maps an alert START to alert.start with tenant from the record key and the triggering values', () => {
    const event = parseNotificationEvent(ce(EVENT_TYPES.alert, alert), 'tenant-a:thermo-1');
    expect(event).toMatchObject({
      eventId: 'ev-1', tenantId: 'tenant-a', type: 'alert.start', deviceId: 'thermo-1', severity: 'CRITICAL', ruleId: 'hot-office',
      values: { temperature: 31.5, mode: 'heat' }, traceId: alert.traceId, at: alert.at,
    });
  });

  it('maps STOP and INSUFFICIENT_DATA', () => {
    expect(parseNotificationEvent(ce(EVENT_TYPES.alert, { ...alert, status: 'STOP' }), 'tenant-a:thermo-1').type).toBe('alert.stop');
    expect(parseNotificationEvent(ce(EVENT_TYPES.alert, { ...alert, status: 'INSUFFICIENT_DATA' }), 'tenant-a:thermo-1').type).toBe('alert.insufficient_data');
  });

  it('maps geofence transitions with the position as values', () => {
    const event = parseNotificationEvent(
      ce(EVENT_TYPES.geofenceTransition, {
        tenantId: 'tenant-b', deviceId: 'truck-1', geofenceId: 'depot-1', geofenceName: 'Depot', transition: 'DWELL', reason: 'dwell-timer',
        at: '2026-11-22T10:10:00.000Z', position: { lat: 52.37, lon: 4.89 }, visitStartedAt: '2026-11-22T10:00:00.000Z',
      }),
      'tenant-b:truck-1',
    );
    expect(event).toMatchObject({ tenantId: 'tenant-b', type: 'geofence.dwell', geofenceId: 'depot-1', values: { lat: 52.37, lon: 4.89 } });
  });

  it('maps a geofence forecast (predicted ENTER) to geofence.forecast with its ETA', () => {
    const data = {
      tenantId: 'tenant-b', deviceId: 'van-7', geofenceId: 'ulez', geofenceName: 'ULEZ', transition: 'ENTER', at: '2026-11-22T10:00:40.000Z', predictedAt: '2026-11-22T10:01:40.000Z',
      etaSeconds: 60, distanceMeters: 667.2, speedMps: 11.12, headingDegrees: 90, position: { lat: 0, lon: 0.004 }, predictedPosition: { lat: 0, lon: 0.01 },
    };
    const event = parseNotificationEvent(ce(EVENT_TYPES.geofenceForecast, data), 'tenant-b:van-7');
    expect(event).toMatchObject({ type: 'geofence.forecast', geofenceId: 'ulez', at: data.at, values: { lat: 0, lon: 0.004, etaSeconds: 60, predictedAt: data.predictedAt } });
    expect(event.reason).toBe('predicted to enter at 2026-11-22T10:01:40.000Z (in 60 s, 667 m at 11.12 m/s)');
    expect(() => parseNotificationEvent(ce(EVENT_TYPES.geofenceForecast, { ...data, etaSeconds: 'soon' }), 'tenant-b:van-7')).toThrow(/etaSeconds/);
  });

  it('rejects unknown types, statuses and severities with a reason', () => {
    expect(() => parseNotificationEvent(ce('io.other', {}), 't:d')).toThrow(InvalidNotificationEvent);
    expect(() => parseNotificationEvent(ce(EVENT_TYPES.alert, { ...alert, status: 'MAYBE' }), 'tenant-a:thermo-1')).toThrow(/status/);
    expect(() => parseNotificationEvent(ce(EVENT_TYPES.alert, { ...alert, severity: 'LOUD' }), 'tenant-a:thermo-1')).toThrow(/severity/);
    expect(() => parseNotificationEvent(ce(EVENT_TYPES.alert, alert), 'tenant-b:thermo-1')).toThrow(/record key/);
    const noTenant: Record<string, unknown> = { ...alert };
    delete noTenant.tenantId;
    expect(() => parseNotificationEvent(ce(EVENT_TYPES.alert, noTenant), 'tenant-a:thermo-1')).toThrow(/tenantId/);
    expect(() => parseNotificationEvent(ce(EVENT_TYPES.geofenceTransition, { tenantId: 't', deviceId: 'd', geofenceId: 'f', transition: 'LEAVE', at: alert.at }), 't:d')).toThrow(
      expect.objectContaining({ reason: 'invalid-geofence-transition' }),
    );
  });
});
