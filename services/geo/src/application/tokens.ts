/** Injection tokens of the geo service's ports. */
export const MEMBERSHIP_STORE = Symbol('MEMBERSHIP_STORE');
export const CLOCK = Symbol('CLOCK');
