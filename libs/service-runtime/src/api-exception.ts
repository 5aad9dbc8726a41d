import type { ApiErrorBody } from '@geopulse/contracts';

/**
 * An error a caller can act on: an HTTP status, a machine-readable code, and the offending
 * paths. Controllers map their feature's domain errors to it; the filter renders it.
 */
export class ApiException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: ApiErrorBody['errors'],
    readonly headers: Record<string, string> = {},
    /** Machine-readable details of an auth failure (`claim`, `action`). */
    readonly details: Pick<ApiErrorBody, 'claim' | 'action' | 'policyIds'> = {},
  ) {
    super(message);
    this.name = 'ApiException';
  }

  body(): ApiErrorBody {
    return { code: this.code, message: this.message, ...(this.errors ? { errors: this.errors } : {}), ...this.details };
  }
}
