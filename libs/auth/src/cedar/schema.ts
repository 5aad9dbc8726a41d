import { ACTIONS, type Action } from '../access-policy';

/**
 * The Cedar schema every policy (built-in and tenant) is validated against (issue 13,
 * docs/decisions/0105). Namespace `Geopulse`; one Cedar action per geopulse action, e.g.
 * `Geopulse::Action::"device:write"`.
 *
 * - Principals: `User` (the operator JWT: id = `sub`, `tenant`, `roles`) and `Device` (a device key).
 * - Resources: one entity type per thing the API manages, all with `tenant`, an optional
 *   `owner` (a User) and `tags`. Collection routes (list, create) act on the `Tenant` itself.
 * - `command:send` carries the command and the tenant's wall clock in its context. Cedar has no
 *   floats: integer arguments are `Long`s; a non-integer number is left out of the policy's view,
 *   so a policy that reads it (`has value`) fails closed (see `commandArgsForCedar`).
 */
export const CEDAR_NAMESPACE = 'Geopulse';

/** The entity type a route acts on, by the noun of its action (`rule:write` -> `Rule`). */
export const RESOURCE_TYPE_OF_NOUN: Readonly<Record<string, string>> = {
  device: 'Device',
  'device-key': 'Device',
  telemetry: 'Device',
  command: 'Command',
  rule: 'Rule',
  alert: 'Alert',
  geofence: 'Geofence',
  subscription: 'Subscription',
  notification: 'Notification',
  policy: 'Policy',
};

export const RESOURCE_TYPES = ['Tenant', ...new Set(Object.values(RESOURCE_TYPE_OF_NOUN))] as const;

/** The command argument names policies can read, with their Cedar type (others are not shown to Cedar). */
export const COMMAND_ARGS: Readonly<Record<string, 'Long' | 'String' | 'Bool'>> = {
  value: 'Long',
  unit: 'String',
  mode: 'String',
  level: 'Long',
  enabled: 'Bool',
  durationSeconds: 'Long',
};

function actionDeclaration(action: Action): string {
  const context = action === 'command:send' ? 'CommandContext' : '{}';
  return `  action "${action}" appliesTo { principal: [User, Device], resource: [${RESOURCE_TYPES.join(', ')}], context: ${context} };`;
}

export const CEDAR_SCHEMA = `namespace ${CEDAR_NAMESPACE} {
  entity User { tenant: String, roles: Set<String> };
  entity ${RESOURCE_TYPES.filter((t) => t !== 'Tenant').join(', ')} = { tenant: String, owner?: User, tags: Set<String> };
  entity Tenant { tenant: String };
  type CommandArgs = { ${Object.entries(COMMAND_ARGS)
    .map(([name, type]) => `${name}?: ${type}`)
    .join(', ')} };
  type Command = { name: String, args: CommandArgs };
  type LocalTime = { hour: Long, minute: Long, dayOfWeek: String, timeZone: String };
  type CommandContext = { command: Command, localTime: LocalTime };
${ACTIONS.map(actionDeclaration).join('\n')}
}
`;
