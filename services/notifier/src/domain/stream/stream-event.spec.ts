import type { NotificationEvent } from '../notification-event';
import { notificationStreamEvent } from './stream-event';

const geofenceEvent = (type: NotificationEvent['type']): NotificationEvent => ({
  eventId: 'e1', tenantId: 't1', type, deviceId: 'van-7', at: '2026-11-22T10:00:40.000Z', geofenceId: 'ulez', geofenceName: 'ULEZ',
  values: { lat: 51.5, lon: -0.2 }, tags: {}, cloudEvent: { specversion: '1.0', id: 'e1', source: '/geopulse/geo', type: 'x', data: {} },
});

describe('notificationStreamEvent', () => {
  it('names the transition of each geofence event type; a forecast is FORECAST, not a DWELL', () => {
    const transition = (type: NotificationEvent['type']) => notificationStreamEvent(geofenceEvent(type)).data.transition;
    expect(['geofence.enter', 'geofence.exit', 'geofence.dwell', 'geofence.forecast'].map((t) => transition(t as NotificationEvent['type']))).toEqual(['ENTER', 'EXIT', 'DWELL', 'FORECAST']);
    expect(notificationStreamEvent(geofenceEvent('geofence.forecast'))).toMatchObject({ type: 'geofence', position: { lat: 51.5, lon: -0.2 }, data: { geofenceId: 'ulez' } });
  });
});
