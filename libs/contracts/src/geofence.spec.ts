import { InvalidGeofenceTransition, parseGeofenceTransitionData } from './geofence';

const transition = {
  tenantId: 'acme', deviceId: 'van-1', geofenceId: 'depot', geofenceName: 'Depot', transition: 'ENTER', reason: 'position',
  at: '2026-11-30T10:00:00.000Z', position: { lat: 52.37, lon: 4.89 }, visitStartedAt: '2026-11-30T10:00:00.000Z', readingId: 'r-1',
};

describe('parseGeofenceTransitionData', () => {
  it('accepts what geo publishes', () => {
    expect(parseGeofenceTransitionData(transition)).toEqual(transition);
    expect(parseGeofenceTransitionData({ ...transition, transition: 'DWELL', reason: 'dwell-timer', readingId: undefined }).transition).toBe('DWELL');
  });

  it.each([
    [null, 'data must be an object'],
    [{ ...transition, tenantId: '../etc' }, '/tenantId must be a valid id'],
    [{ ...transition, deviceId: 7 }, '/deviceId must be a valid id'],
    [{ ...transition, geofenceId: '' }, '/geofenceId must be a non-empty string'],
    [{ ...transition, transition: 'LEAVE' }, '/transition must be ENTER, EXIT or DWELL'],
    [{ ...transition, at: 'yesterday' }, '/at must be an RFC 3339 time'],
    [{ ...transition, position: { lat: '52' , lon: 4 } }, '/position must have numeric lat and lon'],
    [{ ...transition, geofenceName: 5 }, '/geofenceName must be a string'],
  ])('refuses %j: %s', (data, message) => {
    expect(() => parseGeofenceTransitionData(data)).toThrow(new InvalidGeofenceTransition(message));
  });
});
