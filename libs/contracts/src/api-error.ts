/** The error body every geopulse HTTP API answers with (4xx and 5xx). */
export interface ApiErrorBody {
  /** Machine-readable code, e.g. `INVALID_READING`, `UNAUTHENTICATED`. */
  code: string;
  message: string;
  /** Every offending item, when the error is about input. */
  errors?: Array<{ index?: number; path: string; message: string }>;
  /** 401: the JWT claim at fault (`exp`, `sub`, `tenant`, `iat`). */
  claim?: string;
  /** 403: the action the token's roles do not grant, e.g. `rule:write`. */
  action?: string;
  /** 403 decided by authorization policies: the ids of the policies that decided (may be empty: nothing permits it). */
  policyIds?: readonly string[];
}

/** One offending item of a request: where (JSON pointer, or a parameter's name) and what. */
export interface ErrorIssue {
  index?: number;
  path: string;
  message: string;
}

/**
 * The base of every service's domain errors (`domain/<feature>-error.ts`): a machine-readable
 * code, the message and the offending items. Framework-free; each service's HTTP adapter maps
 * the codes to statuses in one table (libs/service-runtime `httpErrors`).
 */
export abstract class DomainError<C extends string, I extends ErrorIssue = ErrorIssue> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly issues: readonly I[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The message of a per-tenant limit (rules, geofences, subscriptions, devices): what ran out,
 * the limit and the setting that sets it, so one tenant cannot exhaust a shared replica and an
 * operator knows what to change. Answered as 409 `TENANT_LIMIT_REACHED`.
 */
export function tenantLimitMessage(what: string, max: number, setting: string): string {
  return `the tenant has reached its limit of ${max} ${what} (${setting}); delete one, or raise the limit`;
}
