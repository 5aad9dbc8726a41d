import { ACTIONS, describeRequirement, isAction, isAllowed, isWriteAction, READ_ACTIONS, ROLE_ACTIONS, rolesGranting, type Action } from './access-policy';

describe('the role -> action table', () => {
  it('lets a viewer read everything and change nothing', () => {
    for (const action of ACTIONS) expect([action, isAllowed(['viewer'], action)]).toEqual([action, !isWriteAction(action)]);
  });

  it('lets an operator change rules, geofences, subscriptions and devices, post telemetry and send commands', () => {
    const granted: Action[] = ['rule:write', 'geofence:write', 'subscription:write', 'subscription:test', 'device:write', 'telemetry:write', 'command:send'];
    for (const action of [...READ_ACTIONS, ...granted]) expect([action, isAllowed(['operator'], action)]).toEqual([action, true]);
    for (const action of ['device-key:rotate', 'device-key:revoke', 'policy:write'] as const) expect([action, isAllowed(['operator'], action)]).toEqual([action, false]);
  });

  it('lets an admin do everything, including keys and policies', () => {
    for (const action of ACTIONS) expect([action, isAllowed(['admin'], action)]).toEqual([action, true]);
  });

  it('is cumulative: each role has every action of the one below', () => {
    expect(ROLE_ACTIONS.operator).toEqual(expect.arrayContaining([...ROLE_ACTIONS.viewer]));
    expect(ROLE_ACTIONS.admin).toEqual(expect.arrayContaining([...ROLE_ACTIONS.operator]));
  });

  it('grants nothing without roles, and ignores unknown role names', () => {
    for (const action of ACTIONS) {
      expect(isAllowed([], action)).toBe(false);
      expect(isAllowed(['superuser', 'Admin', 'ADMIN'], action)).toBe(false);
    }
    expect(isAllowed(['superuser', 'viewer'], 'rule:read')).toBe(true);
    expect(isAllowed(['superuser', 'viewer'], 'rule:write')).toBe(false);
  });

  it('takes the union of several roles', () => {
    expect(isAllowed(['viewer', 'admin'], 'device-key:rotate')).toBe(true);
  });

  it('names the roles granting an action, weakest first, and says so in a sentence', () => {
    expect(rolesGranting('rule:read')).toEqual(['viewer', 'operator', 'admin']);
    expect(rolesGranting('rule:write')).toEqual(['operator', 'admin']);
    expect(rolesGranting('policy:write')).toEqual(['admin']);
    expect(describeRequirement('device-key:rotate')).toBe('Requires `device-key:rotate`: an operator JWT with role `admin`; otherwise 403 FORBIDDEN naming the action.');
  });

  it('knows its action names', () => {
    expect(isAction('rule:write')).toBe(true);
    expect(isAction('rule:delete')).toBe(false);
    expect(new Set(ACTIONS).size).toBe(ACTIONS.length);
  });
});
