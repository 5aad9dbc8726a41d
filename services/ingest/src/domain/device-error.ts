import { DomainError } from '@geopulse/contracts';
import type { KeyRejection } from './device-key';

export type DeviceErrorCode = 'INVALID_DEVICE' | 'DEVICE_NOT_FOUND' | 'DEVICE_EXISTS' | 'KEY_NOT_FOUND' | 'CONCURRENT_UPDATE' | 'TENANT_LIMIT_REACHED' | KeyRejection;

/** The one error type of the device registry; mapped to HTTP or dead-letter at the edges. */
export class DeviceError extends DomainError<DeviceErrorCode> {}
