import { InvalidGeofenceTransition, parseGeofenceForecastData, parseGeofenceTransitionData } from './geofence';

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

describe('parseGeofenceForecastData', () => {
  const forecast = {
    tenantId: 'acme', deviceId: 'van-1', geofenceId: 'ulez', geofenceName: 'ULEZ', transition: 'ENTER', at: '2026-11-30T10:00:00.000Z', predictedAt: '2026-11-30T10:01:00.000Z',
    etaSeconds: 60, distanceMeters: 667.2, speedMps: 11.1, headingDegrees: 90, position: { lat: 0, lon: 0.004 }, predictedPosition: { lat: 0, lon: 0.01 },
  };

  it('accepts what geo publishes', () => {
    expect(parseGeofenceForecastData(forecast)).toEqual(forecast);
  });

  it.each([
    [[], 'data must be an object'],
    [{ ...forecast, deviceId: 'a b' }, '/deviceId must be a valid id'],
    [{ ...forecast, transition: 'EXIT' }, '/transition must be ENTER'],
    [{ ...forecast, predictedAt: 'soon' }, '/predictedAt must be an RFC 3339 time'],
    [{ ...forecast, etaSeconds: '60' }, '/etaSeconds must be a number'],
    [{ ...forecast, predictedPosition: { lat: 0 } }, '/predictedPosition must have numeric lat and lon'],
  ])('refuses %j: %s', (data, message) => {
    expect(() => parseGeofenceForecastData(data)).toThrow(new InvalidGeofenceTransition(message));
  });
});
