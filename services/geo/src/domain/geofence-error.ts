import { DomainError } from '@geopulse/contracts';

export type GeofenceErrorCode = 'INVALID_GEOFENCE' | 'GEOFENCE_NOT_FOUND' | 'GEOFENCE_EXISTS' | 'CONCURRENT_UPDATE' | 'INVALID_QUERY' | 'TENANT_LIMIT_REACHED' | 'DEVICE_NOT_FOUND' | 'REPORT_TOO_LARGE';

/** The geo feature's one error class; the HTTP adapter maps the code to a status (adapters/http/error-mapping.ts). */
export class GeofenceError extends DomainError<GeofenceErrorCode> {}
