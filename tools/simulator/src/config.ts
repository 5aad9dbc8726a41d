import {
  ConfigError,
  env,
  InvalidValue,
  loadEnv,
  loadOrExit,
  type EnvSource,
  type EnvVar,
} from '@geopulse/config';
import type { TokenSettings } from './adapters/operator-token-source';

/** What ingest takes in one request (INGEST_MAX_BATCH's default). */
export const MAX_DEVICES = 1000;

const optionalSeed: EnvVar<number | undefined> = {
  describe: 'a whole number 0..4294967295 (unset: a random seed, logged at start)',
  parse(raw) {
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) > 0xffffffff) throw new InvalidValue(`"${raw}"`);
    return Number(raw);
  },
};

const simulatorEnv = {
  INGEST_URL: env.url('ingest base URL, e.g. http://127.0.0.1:3001', ['http', 'https'], 'http://127.0.0.1:3001'),
  GEOPULSE_TOKEN: env.optionalString('an operator JWT for ingest'),
  GEOPULSE_JWT_SECRET: env.optionalString('HS256 development secret of at least 32 characters', { minLength: 32 }),
  GEOPULSE_TENANT: env.string('tenant of the token the simulator signs', { default: 'demo', pattern: /^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$/ }),
  SIM_VEHICLES: env.int('number of vehicles', { default: 20, min: 0, max: MAX_DEVICES }),
  SIM_THERMOSTATS: env.int('number of thermostats', { default: 10, min: 0, max: MAX_DEVICES }),
  SIM_INTERVAL_MS: env.int('milliseconds between batches', { default: 1000, min: 50, max: 3_600_000 }),
  SIM_SEED: optionalSeed,
  SIM_REQUEST_TIMEOUT_MS: env.int('deadline of one post in ms', { default: 10_000, min: 100, max: 600_000 }),
};

export interface SimulatorConfig {
  ingestUrl: string;
  token: TokenSettings;
  vehicles: number;
  thermostats: number;
  intervalMs: number;
  seed?: number;
  requestTimeoutMs: number;
}

export function parseSimulatorConfig(source: EnvSource): SimulatorConfig {
  const c = loadEnv(simulatorEnv, source);
  const problems: string[] = [];
  let token: TokenSettings | undefined;
  if (c.GEOPULSE_TOKEN) token = { kind: 'given', token: c.GEOPULSE_TOKEN };
  else if (c.GEOPULSE_JWT_SECRET) token = { kind: 'signed', secret: c.GEOPULSE_JWT_SECRET, tenant: c.GEOPULSE_TENANT };
  else {
    problems.push('GEOPULSE_TOKEN is not set: expected an operator JWT, or set GEOPULSE_JWT_SECRET (and GEOPULSE_TENANT, default demo) to sign one');
  }
  const devices = c.SIM_VEHICLES + c.SIM_THERMOSTATS;
  if (devices < 1 || devices > MAX_DEVICES) {
    problems.push(`SIM_VEHICLES + SIM_THERMOSTATS is ${devices}: expected 1..${MAX_DEVICES} (one batch per tick)`);
  }
  if (problems.length > 0 || !token) throw new ConfigError(problems);
  return {
    ingestUrl: c.INGEST_URL,
    token,
    vehicles: c.SIM_VEHICLES,
    thermostats: c.SIM_THERMOSTATS,
    intervalMs: c.SIM_INTERVAL_MS,
    seed: c.SIM_SEED,
    requestTimeoutMs: c.SIM_REQUEST_TIMEOUT_MS,
  };
}

export const loadSimulatorConfig = (): SimulatorConfig => loadOrExit('simulator', () => parseSimulatorConfig(process.env));
