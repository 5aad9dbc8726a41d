/** Injection tokens of the aggregator's ports. */
export const DEVICE_STATE_STORE = Symbol('DEVICE_STATE_STORE');

