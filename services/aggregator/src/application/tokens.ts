/** Injection tokens of the aggregator's ports. */
export const DEVICE_STATE_STORE = Symbol('DEVICE_STATE_STORE');
export const WINDOW_STORE = Symbol('WINDOW_STORE');
export const CLOCK = Symbol('CLOCK');
export const AGGREGATOR_SETTINGS = Symbol('AGGREGATOR_SETTINGS');
export const HISTORY_STORE = Symbol('HISTORY_STORE');
