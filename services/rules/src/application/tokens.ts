/** Injection tokens of the rules service's ports and settings. */
export const DEVICE_STATE_STORE = Symbol('DEVICE_STATE_STORE');
export const CLOCK = Symbol('CLOCK');
export const RULES_SETTINGS = Symbol('RULES_SETTINGS');
export const DYNAMO = Symbol('DYNAMO');
export const RULE_REPOSITORY = Symbol('RULE_REPOSITORY');
export const RULE_CHANGE_PUBLISHER = Symbol('RULE_CHANGE_PUBLISHER');
export const ALERT_REPOSITORY = Symbol('ALERT_REPOSITORY');
