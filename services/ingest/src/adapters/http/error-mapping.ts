import { ApiException } from '@geopulse/service-runtime';
import { metric } from '@geopulse/observability';
import { DeviceError, type DeviceErrorCode } from '../../domain/device-error';
import { IngestError, type IngestErrorCode } from '../../domain/ingest-error';

export const rejectedReadings = metric.counter('geopulse_ingest_requests_rejected_total', 'Telemetry requests (HTTP) and messages (MQTT) rejected, by reason', [
  'reason',
  'transport',
]);

function ingestStatus(code: IngestErrorCode): number {
  switch (code) {
    case 'MALFORMED_JSON':
    case 'EMPTY_BODY':
    case 'INVALID_READING':
      return 400;
    case 'DEVICE_MISMATCH':
      return 403;
    case 'BATCH_TOO_LARGE':
    case 'READING_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'RATE_LIMITED':
      return 429;
    case 'OVERLOADED':
    case 'KAFKA_UNAVAILABLE':
      return 503;
  }
}

function deviceStatus(code: DeviceErrorCode): number {
  switch (code) {
    case 'INVALID_DEVICE':
      return 400;
    case 'UNKNOWN_DEVICE_KEY':
    case 'REVOKED_DEVICE_KEY':
    case 'EXPIRED_DEVICE_KEY':
      return 401;
    case 'DEVICE_DISABLED':
    case 'DEVICE_DELETED':
      return 403;
    case 'DEVICE_NOT_FOUND':
    case 'KEY_NOT_FOUND':
      return 404;
    case 'DEVICE_EXISTS':
    case 'CONCURRENT_UPDATE':
      return 409;
  }
}

function retryHeaders(err: IngestError): Record<string, string> {
  if (err.code === 'KAFKA_UNAVAILABLE') return { 'Retry-After': '5' };
  if (err.retryAfterSeconds !== undefined) return { 'Retry-After': String(err.retryAfterSeconds) };
  return {};
}

/** Maps the feature's errors to HTTP answers; anything else is rethrown (500, logged once). */
export function toHttpError(err: unknown): unknown {
  if (err instanceof IngestError) {
    return new ApiException(ingestStatus(err.code), err.code, err.message, err.issues.length > 0 ? err.issues : undefined, retryHeaders(err));
  }
  if (err instanceof DeviceError) {
    const status = deviceStatus(err.code);
    return new ApiException(status, err.code, err.message, err.issues.length > 0 ? err.issues : undefined, status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
  }
  return err;
}
