import type { Action } from './access-policy';
import type { AuthorizationDecision, AuthorizationRequest, Authorizer } from './authorizer';

/**
 * One authorization decision, for "why was I denied": who, what, on which entity, the answer and
 * the policies that decided it.
 */
export interface DecisionEntry {
  tenant: string;
  principal: string;
  roles?: readonly string[];
  action: Action;
  resource: string;
  decision: 'allow' | 'deny';
  policyIds: readonly string[];
  errors?: readonly string[];
}

export interface DecisionLog {
  record(entry: DecisionEntry): void;
}


export function decisionEntry(request: Pick<AuthorizationRequest, 'principal' | 'action' | 'resource'>, decision: AuthorizationDecision): DecisionEntry {
  const { principal, action, resource } = request;
  return {
    tenant: principal.tenant,
    principal: `${principal.type}::${principal.id}`,
    ...(principal.type === 'User' ? { roles: principal.roles } : {}),
    action,
    resource: `${resource.type}::${resource.id}${resource.tenant === principal.tenant ? '' : ` (tenant ${resource.tenant})`}`,
    decision: decision.allowed ? 'allow' : 'deny',
    policyIds: decision.policyIds,
    ...(decision.errors.length > 0 ? { errors: decision.errors } : {}),
  };
}

/** An Authorizer that logs every decision it makes (the guard's and the handlers', e.g. device commands). */
export class LoggedAuthorizer implements Authorizer {
  constructor(
    private readonly inner: Authorizer,
    private readonly log: DecisionLog,
  ) {}

  async isAuthorized(request: AuthorizationRequest): Promise<AuthorizationDecision> {
    const decision = await this.inner.isAuthorized(request);
    this.log.record(decisionEntry(request, decision));
    return decision;
  }
}
