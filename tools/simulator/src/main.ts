// The sample device feed: config first (exits naming each bad variable), then tick until
// SIGINT / SIGTERM.
import { randomInt } from 'node:crypto';
import { loadSimulatorConfig } from './config';
import { DeviceFeed } from './domain/device-feed';
import { runFeed } from './application/run-feed';
import { IngestClient } from './adapters/ingest-client';
import { jsonLog } from './adapters/json-log';
import { OperatorTokenSource } from './adapters/operator-token-source';
import { sleep } from './adapters/abortable-sleep';

const config = loadSimulatorConfig();
const seed = config.seed ?? randomInt(0, 2 ** 32 - 1);
const log = jsonLog();
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log('info', 'stopping', { signal });
    stop.abort();
  });
}

const tokens = new OperatorTokenSource(config.token);
const feed = new DeviceFeed({ vehicles: config.vehicles, thermostats: config.thermostats, seed, startMs: Date.now() });
log('info', 'started', {
  ingest: config.ingestUrl,
  tenant: config.token.kind === 'signed' ? config.token.tenant : undefined,
  vehicles: config.vehicles,
  thermostats: config.thermostats,
  intervalMs: config.intervalMs,
  seed,
});

runFeed(
  {
    source: feed,
    ingest: new IngestClient(config.ingestUrl, () => tokens.current(), config.requestTimeoutMs),
    intervalMs: config.intervalMs,
    now: Date.now,
    sleep,
    log,
  },
  stop.signal,
).then(
  (totals) => {
    log('info', 'stopped', { ...totals });
    process.exitCode = 0;
  },
  (error: unknown) => {
    log('error', 'failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
