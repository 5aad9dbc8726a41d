import type { GeofenceIssue } from '../domain/geofence';

export enum GeofenceErrorCode {
  INVALID_GEOFENCE = 'INVALID_GEOFENCE',
  GEOFENCE_NOT_FOUND = 'GEOFENCE_NOT_FOUND',
  GEOFENCE_EXISTS = 'GEOFENCE_EXISTS',
  CONCURRENT_UPDATE = 'CONCURRENT_UPDATE',
  INVALID_QUERY = 'INVALID_QUERY',
}

/** The geo feature's one error class; controllers map the code to a status. */
export class GeofenceError extends Error {
  constructor(
    readonly code: GeofenceErrorCode,
    message: string,
    readonly issues: Array<GeofenceIssue & { index?: number }> = [],
  ) {
    super(message);
    this.name = 'GeofenceError';
  }
}
