/** Injection tokens of the geo service's ports. */
export const MEMBERSHIP_STORE = Symbol('MEMBERSHIP_STORE');
export const CLOCK = Symbol('CLOCK');
export const TRANSITION_PUBLISHER = Symbol('TRANSITION_PUBLISHER');
export const TRANSITION_LOG = Symbol('TRANSITION_LOG');
