import { DomainError } from '@geopulse/contracts';

export type PolicyErrorCode = 'INVALID_POLICY' | 'POLICY_TOO_LARGE' | 'POLICY_NOT_FOUND' | 'POLICY_EXISTS' | 'CONCURRENT_UPDATE' | 'TENANT_LIMIT_REACHED';

/** The one error type of the tenant policies API; mapped to HTTP at the edge. */
export class PolicyError extends DomainError<PolicyErrorCode> {}
