import { ROLE_ACTIONS, ROLES } from '../access-policy';
import { CEDAR_NAMESPACE } from './schema';

/** The id of the built-in forbid that keeps every decision inside one tenant. */
export const CROSS_TENANT_POLICY_ID = 'builtin:forbid-cross-tenant';
export const BUILTIN_PREFIX = 'builtin:';

const actionRef = (action: string): string => `${CEDAR_NAMESPACE}::Action::"${action}"`;

/**
 * Today's role table as Cedar (one permit per role, id `builtin:role-<role>`), and the
 * cross-tenant forbid no tenant policy can override: in Cedar any satisfied forbid wins.
 */
export function builtinPolicies(): Record<string, string> {
  const policies: Record<string, string> = {
    [CROSS_TENANT_POLICY_ID]: 'forbid (principal, action, resource) unless { principal.tenant == resource.tenant };',
  };
  for (const role of ROLES) {
    policies[`${BUILTIN_PREFIX}role-${role}`] =
      `permit (principal is ${CEDAR_NAMESPACE}::User, action in [${ROLE_ACTIONS[role].map(actionRef).join(', ')}], resource) when { principal.roles.contains("${role}") };`;
  }
  return policies;
}
