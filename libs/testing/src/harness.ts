/**
 * How the test stack runs its servers: `processes` (default; the faster one on a 2-core machine)
 * or `containers` (testcontainers, Docker). Both give services and tests the same variables.
 */
export type HarnessBackend = 'processes' | 'containers';

export const HARNESS_ENV = 'GEOPULSE_HARNESS';

export function harnessBackend(env: NodeJS.ProcessEnv = process.env): HarnessBackend {
  const value = env[HARNESS_ENV] || 'processes';
  if (value !== 'processes' && value !== 'containers') {
    throw new Error(`${HARNESS_ENV} must be processes or containers, not "${value}"`);
  }
  return value;
}
