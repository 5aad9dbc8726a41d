import { errorMapping, httpErrors } from '@geopulse/service-runtime';
import { GeofenceError } from '../../domain/geofence-error';

/** The geo service's errors as HTTP answers; anything else is rethrown (500, logged once). */
export const { mapped, toHttpError } = httpErrors(
  errorMapping(GeofenceError, { INVALID_GEOFENCE: 400, INVALID_QUERY: 400, GEOFENCE_NOT_FOUND: 404, GEOFENCE_EXISTS: 409, CONCURRENT_UPDATE: 409, TENANT_LIMIT_REACHED: 409, DEVICE_NOT_FOUND: 404, REPORT_TOO_LARGE: 422 }),
);
