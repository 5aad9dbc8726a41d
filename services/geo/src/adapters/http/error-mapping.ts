import { ApiException } from '@geopulse/service-runtime';
import { GeofenceError, GeofenceErrorCode } from '../../application/geofence-error';

function status(code: GeofenceErrorCode): number {
  switch (code) {
    case GeofenceErrorCode.INVALID_GEOFENCE:
    case GeofenceErrorCode.INVALID_QUERY:
      return 400;
    case GeofenceErrorCode.GEOFENCE_NOT_FOUND:
      return 404;
    case GeofenceErrorCode.GEOFENCE_EXISTS:
    case GeofenceErrorCode.CONCURRENT_UPDATE:
      return 409;
  }
}

/** Runs a use case and turns its GeofenceError into the HTTP answer; anything else is a 500. */
export async function httpErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof GeofenceError) throw new ApiException(status(err.code), err.code, err.message, err.issues.length > 0 ? err.issues : undefined);
    throw err;
  }
}
