import { env, loadEnv, loadOrExit, platformConfig, type EnvSource, type PlatformConfig } from '@geopulse/config';

const ingestEnv = {
  INGEST_MAX_BATCH: env.int('readings per request', { default: 1000, min: 1, max: 10_000 }),
  INGEST_MAX_BODY_BYTES: env.int('request body limit in bytes', { default: 1024 * 1024, min: 1024 }),
  INGEST_MAX_FUTURE_SKEW_SECONDS: env.int('how far in the future an event time may be', { default: 300, min: 0 }),
  INGEST_MAX_AGE_HOURS: env.int('how old an event time may be', { default: 720, min: 1 }),
  INGEST_PRODUCE_TIMEOUT_MS: env.int('deadline for Kafka to acknowledge a request', { default: 10_000, min: 100 }),
};

export interface IngestSettings {
  maxBatch: number;
  maxBodyBytes: number;
  maxFutureSkewMs: number;
  maxAgeMs: number;
  produceTimeoutMs: number;
}

export type IngestConfig = PlatformConfig & { ingest: IngestSettings };

export function parseIngestConfig(source: EnvSource): IngestConfig {
  return platformConfig<{ ingest: IngestSettings }>(source, { defaultPort: 3001, redis: false }, {
    ingest: () => {
      const c = loadEnv(ingestEnv, source);
      return {
        maxBatch: c.INGEST_MAX_BATCH,
        maxBodyBytes: c.INGEST_MAX_BODY_BYTES,
        maxFutureSkewMs: c.INGEST_MAX_FUTURE_SKEW_SECONDS * 1000,
        maxAgeMs: c.INGEST_MAX_AGE_HOURS * 3600_000,
        produceTimeoutMs: c.INGEST_PRODUCE_TIMEOUT_MS,
      };
    },
  });
}

export const loadIngestConfig = (): IngestConfig => loadOrExit('ingest', () => parseIngestConfig(process.env));
