/** Injection tokens of the rules service's ports and settings. */
export const DEVICE_STATE_STORE = Symbol('DEVICE_STATE_STORE');
export const CLOCK = Symbol('CLOCK');
export const RULES_SETTINGS = Symbol('RULES_SETTINGS');
export const RULES_RUNTIME = Symbol('RULES_RUNTIME');
export const ALERT_REPOSITORY = Symbol('ALERT_REPOSITORY');
