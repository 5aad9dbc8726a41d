/** Every injection token of the notifier, in one place (as in every service: application/tokens.ts). */
export const DYNAMO = Symbol('DYNAMO');
export const QUEUE = Symbol('QUEUE');
export const CACHE = Symbol('CACHE');
export const EMAIL = Symbol('EMAIL');
export const CONFIG = Symbol('CONFIG');
export const DELIVERY_LOG = Symbol('DELIVERY_LOG');
/** The device registry, read only (docs/decisions/0104): tags for subscription and stream filters. */
export const DEVICE_DIRECTORY = Symbol('DEVICE_DIRECTORY');
