/** How the Jest global setup tells its teardown (same process) that it started the stack. */
export const OWNER_ENV = 'GEOPULSE_STACK_OWNER_PID';
export const STACK_DIR_ENV = 'GEOPULSE_STACK_DIR';
/** Set to 1 to keep the stack dir (logs, Kafka data) after the run. */
export const KEEP_ENV = 'GEOPULSE_KEEP_STACK';
