import { errorMapping, httpErrors } from '@geopulse/service-runtime';
import { CommandError } from '../../domain/command-error';
import { DeviceError } from '../../domain/device-error';
import { IngestError } from '../../domain/ingest-error';
import { PolicyError } from '../../domain/policy-error';

function retryHeaders(err: IngestError): Record<string, string> {
  if (err.code === 'KAFKA_UNAVAILABLE') return { 'Retry-After': '5' };
  if (err.retryAfterSeconds !== undefined) return { 'Retry-After': String(err.retryAfterSeconds) };
  return {};
}

/** Ingest's errors as HTTP answers (with Retry-After and WWW-Authenticate where they apply); anything else is rethrown (500, logged once). */
export const { mapped, toHttpError } = httpErrors(
  errorMapping(
    IngestError,
    {
      MALFORMED_JSON: 400,
      EMPTY_BODY: 400,
      INVALID_READING: 400,
      DEVICE_MISMATCH: 403,
      BATCH_TOO_LARGE: 413,
      READING_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      RATE_LIMITED: 429,
      OVERLOADED: 503,
      KAFKA_UNAVAILABLE: 503,
    },
    retryHeaders,
  ),
  errorMapping(
    DeviceError,
    {
      INVALID_DEVICE: 400,
      UNKNOWN_DEVICE_KEY: 401,
      REVOKED_DEVICE_KEY: 401,
      EXPIRED_DEVICE_KEY: 401,
      DEVICE_DISABLED: 403,
      DEVICE_DELETED: 403,
      DEVICE_NOT_FOUND: 404,
      KEY_NOT_FOUND: 404,
      DEVICE_EXISTS: 409,
      CONCURRENT_UPDATE: 409,
      TENANT_LIMIT_REACHED: 409,
    },
    (_err, status): Record<string, string> => (status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
  ),
  errorMapping(CommandError, { INVALID_COMMAND: 400, INVALID_SETTINGS: 400, COMMAND_NOT_FOUND: 404, COMMAND_FORBIDDEN: 403 }),
  errorMapping(PolicyError, { INVALID_POLICY: 400, POLICY_NOT_FOUND: 404, POLICY_EXISTS: 409, CONCURRENT_UPDATE: 409, TENANT_LIMIT_REACHED: 409, POLICY_TOO_LARGE: 413 }),
);
