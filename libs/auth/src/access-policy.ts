/**
 * What each operator role may do, as data. Every operator route declares one action
 * (`@Requires('rule:write')`); `isAllowed` is the one decision function, so a policy engine
 * (Cedar, issue 13) can later replace it with the same table expressed as built-in policies.
 *
 * The table is cumulative: `operator` has every action of `viewer`, `admin` every action of
 * `operator`. Role names the table does not know are ignored, never an error.
 */

/** Reading anything of the caller's tenant. */
export const READ_ACTIONS = [
  'device:read',
  'rule:read',
  'alert:read',
  'geofence:read',
  'subscription:read',
  'notification:read',
  'command:read',
  'policy:read',
] as const;

/** Creating, changing and deleting what operators run the tenant with. */
export const OPERATE_ACTIONS = [
  'device:write',
  'rule:write',
  'geofence:write',
  'subscription:write',
  'subscription:test',
  'telemetry:write',
  'command:send',
] as const;

/** Credentials and authorization itself. */
export const ADMINISTER_ACTIONS = ['device-key:rotate', 'device-key:revoke', 'policy:write'] as const;

export type Action = (typeof READ_ACTIONS)[number] | (typeof OPERATE_ACTIONS)[number] | (typeof ADMINISTER_ACTIONS)[number];

export const ACTIONS: readonly Action[] = [...READ_ACTIONS, ...OPERATE_ACTIONS, ...ADMINISTER_ACTIONS];

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The role -> actions table. */
export const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = {
  viewer: READ_ACTIONS,
  operator: [...READ_ACTIONS, ...OPERATE_ACTIONS],
  admin: ACTIONS,
};

export function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

/** Whether an action changes something (everything but the read actions). */
export function isWriteAction(action: Action): boolean {
  return !(READ_ACTIONS as readonly string[]).includes(action);
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether a token with these roles may perform the action. Unknown roles grant nothing. */
export function isAllowed(roles: readonly string[], action: Action): boolean {
  return roles.some((role) => isRole(role) && ROLE_ACTIONS[role].includes(action));
}

/** The roles that grant an action, weakest first (for error messages and the OpenAPI text). */
export function rolesGranting(action: Action): Role[] {
  return ROLES.filter((role) => ROLE_ACTIONS[role].includes(action));
}

/** The sentence every route's OpenAPI description ends with. */
export function describeRequirement(action: Action): string {
  return `Requires \`${action}\`: an operator JWT with role ${rolesGranting(action).map((r) => `\`${r}\``).join(' or ')}; otherwise 403 FORBIDDEN naming the action.`;
}

/** The sentence of a route decided per resource (@RequiresPerResource) by the tenant's policies. */
export function describeResourceRequirement(action: Action): string {
  return `Requires \`${action}\`, decided for each resource by the tenant's authorization policies (built in: role ${rolesGranting(action).map((r) => `\`${r}\``).join(' or ')}; tenant policies may permit other users, e.g. a device's owner or a guest within limits); otherwise 403 FORBIDDEN naming the action and the deciding policies.`;
}
