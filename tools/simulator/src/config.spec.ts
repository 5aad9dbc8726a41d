import { ConfigError } from '@geopulse/config';
import { parseSimulatorConfig } from './config';

const SECRET = 'a-development-secret-of-32-chars!!';

function problems(source: Record<string, string>): string[] {
  try {
    parseSimulatorConfig(source);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('parseSimulatorConfig', () => {
  it('defaults to 20 vehicles and 10 thermostats every second against local ingest, signing for tenant demo', () => {
    expect(parseSimulatorConfig({ GEOPULSE_JWT_SECRET: SECRET })).toEqual({
      ingestUrl: 'http://127.0.0.1:3001',
      token: { kind: 'signed', secret: SECRET, tenant: 'demo' },
      vehicles: 20,
      thermostats: 10,
      intervalMs: 1000,
      seed: undefined,
      requestTimeoutMs: 10_000,
    });
  });

  it('takes a given token over the secret, and every setting from the environment', () => {
    const config = parseSimulatorConfig({
      GEOPULSE_TOKEN: 'eyJ.given.token',
      GEOPULSE_JWT_SECRET: SECRET,
      INGEST_URL: 'https://ingest.example.com',
      SIM_VEHICLES: '5',
      SIM_THERMOSTATS: '0',
      SIM_INTERVAL_MS: '250',
      SIM_SEED: '42',
    });
    expect(config).toMatchObject({ token: { kind: 'given', token: 'eyJ.given.token' }, vehicles: 5, thermostats: 0, intervalMs: 250, seed: 42 });
  });

  it('refuses to start without a token or a secret, naming the variable', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^GEOPULSE_TOKEN is not set: .*GEOPULSE_JWT_SECRET/)]);
  });

  it('lists every wrong value at once', () => {
    expect(problems({ GEOPULSE_JWT_SECRET: 'short', SIM_VEHICLES: '-1', SIM_SEED: 'abc', INGEST_URL: 'ftp://x' })).toEqual([
      expect.stringMatching(/^INGEST_URL is invalid/),
      expect.stringMatching(/^GEOPULSE_JWT_SECRET is invalid \(shorter than 32 characters\)/),
      expect.stringMatching(/^SIM_VEHICLES is invalid/),
      expect.stringMatching(/^SIM_SEED is invalid/),
    ]);
  });

  it('keeps a tick within one ingest batch and above zero devices', () => {
    expect(problems({ GEOPULSE_JWT_SECRET: SECRET, SIM_VEHICLES: '900', SIM_THERMOSTATS: '200' })).toEqual([
      expect.stringMatching(/^SIM_VEHICLES \+ SIM_THERMOSTATS is 1100/),
    ]);
    expect(problems({ GEOPULSE_JWT_SECRET: SECRET, SIM_VEHICLES: '0', SIM_THERMOSTATS: '0' })).toHaveLength(1);
  });
});
