import { isAllowed, type Action } from './access-policy';

/**
 * The one authorization question every operator route asks (issue 13):
 * `isAuthorized(principal, action, resource, context)`. Today's implementation is the role table
 * (`RoleAuthorizer`); the Cedar engine implements the same port with built-in policies that
 * reproduce it, plus the tenant's own policies.
 */

/** Who asks: an operator (from a verified JWT) or a device (from its key or MQTT identity). */
export type Principal =
  | { type: 'User'; id: string; tenant: string; roles: readonly string[] }
  | { type: 'Device'; id: string; tenant: string };

/** A value the context may carry (what a Cedar record can hold). */
export type ContextValue = string | number | boolean | readonly ContextValue[] | { readonly [key: string]: ContextValue };

/** What is acted on: an entity with its tenant, and when known its owner and tags. */
export interface ResourceRef {
  /** The entity type, e.g. `Device`, `Rule`, `Geofence`, `Subscription`, `Policy`, `Tenant`. */
  type: string;
  /** The entity id (for collection routes, the tenant id with type `Tenant`). */
  id: string;
  tenant: string;
  /** The principal id that owns it (a device's owner user), when the resource has one. */
  owner?: string;
  tags?: readonly string[];
}

export interface AuthorizationRequest {
  principal: Principal;
  action: Action;
  resource: ResourceRef;
  context?: { readonly [key: string]: ContextValue };
}

export interface AuthorizationDecision {
  allowed: boolean;
  /** The ids of the policies that decided (the permits that allowed, or the forbids that denied). */
  policyIds: readonly string[];
  /** Evaluation errors the engine reported (a policy that could not be evaluated), for the log. */
  errors: readonly string[];
}

export interface Authorizer {
  isAuthorized(request: AuthorizationRequest): Promise<AuthorizationDecision>;
}

/** The role table as an Authorizer: cross-tenant access is always denied, then roles decide. */
export class RoleAuthorizer implements Authorizer {
  async isAuthorized({ principal, action, resource }: AuthorizationRequest): Promise<AuthorizationDecision> {
    if (principal.tenant !== resource.tenant) return { allowed: false, policyIds: ['builtin:forbid-cross-tenant'], errors: [] };
    if (principal.type !== 'User') return { allowed: false, policyIds: [], errors: [] };
    const allowed = isAllowed(principal.roles, action);
    return { allowed, policyIds: allowed ? ['builtin:roles'] : [], errors: [] };
  }
}

/** Nest injection token of the service's Authorizer. */
export const AUTHORIZER = Symbol('AUTHORIZER');
