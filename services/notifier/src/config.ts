import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, dynamoSettings, env, loadEnv, loadOrExit, platformConfig, sharedTraceUrlTemplate, type DynamoSettings, type EnvSource, type PlatformConfig } from '@geopulse/config';
import type { RetryPolicy } from './domain/retry-schedule';
import { AddressAllowList } from './domain/url-policy';

/** The local Jaeger's UI (what `npm run up` starts), when neither trace template variable is set. */
export const DEFAULT_TRACE_URL_TEMPLATE = 'http://localhost:16686/trace/{{traceId}}';

/** The notifier's own variables (on top of the platform's and DynamoDB's). */
export const notifierEnv = {
  SMTP_URL: env.url('SMTP transport URL, e.g. smtp://user:pass@host:587 or smtps://host:465', ['smtp', 'smtps']),
  SMTP_FROM: env.string('sender address of notification emails', { default: 'geopulse-notifier@localhost', pattern: /^[^\s@]+@[^\s@]+$|^.*<[^\s@]+@[^\s@]+>$/ }),
  SMTP_POOL_MAX_CONNECTIONS: env.int('pooled SMTP connections per replica', { default: 5, min: 1, max: 100 }),
  SMTP_TIMEOUT_MS: env.int('SMTP connect/greeting/socket timeout in ms', { default: 10_000, min: 100 }),
  SMTP_TLS_REJECT_UNAUTHORIZED: env.bool('verify the SMTP server certificate (true/false)', true),
  SMTP_REQUIRE_TLS: env.bool('require STARTTLS on smtp:// (true/false)', false),
  NOTIFIER_RETRY_MAX_ATTEMPTS: env.int('delivery attempts in all before FAILED', { default: 8, min: 1, max: 100 }),
  NOTIFIER_RETRY_BASE_MS: env.int('delay before the second attempt in ms', { default: 2000, min: 1 }),
  NOTIFIER_RETRY_MAX_DELAY_MS: env.int('longest delay between attempts in ms', { default: 900_000, min: 1 }),
  NOTIFIER_RETRY_FACTOR: env.number('growth of the delay per attempt', { default: 2, min: 1, max: 10 }),
  NOTIFIER_RETRY_JITTER: env.number('share of each delay drawn at random, 0..1', { default: 0.25, min: 0, max: 1 }),
  NOTIFIER_WEBHOOK_TIMEOUT_MS: env.int('webhook request timeout in ms', { default: 10_000, min: 100, max: 120_000 }),
  NOTIFIER_WEBHOOK_ALLOW: env.string('comma-separated IPs or CIDR ranges webhooks may reach although private/loopback (e.g. 127.0.0.1)', { default: '' }),
  NOTIFIER_TRACE_URL_TEMPLATE: env.optionalTraceUrlTemplate(`trace link in messages (default: GEOPULSE_TRACE_URL_TEMPLATE, else ${DEFAULT_TRACE_URL_TEMPLATE})`),
  NOTIFIER_WORKER_CONCURRENCY: env.int('deliveries in flight per replica', { default: 16, min: 1, max: 1000 }),
  NOTIFIER_POLL_INTERVAL_MS: env.int('how often idle workers look for due deliveries (ms)', { default: 250, min: 10, max: 60_000 }),
  NOTIFIER_LEASE_SECONDS: env.int('how long a claimed delivery is hidden from other workers (must exceed the slowest attempt)', { default: 120, min: 5 }),
  NOTIFIER_DEDUP_DAYS: env.int('how long delivered (event, subscription) pairs are remembered', { default: 7, min: 1, max: 90 }),
  NOTIFIER_MAX_SUBSCRIPTIONS_PER_TENANT: env.int('subscriptions one tenant may have (a create past it answers 409 TENANT_LIMIT_REACHED)', { default: 1_000, min: 1 }),
  NOTIFIER_SUBSCRIPTION_CACHE_MS: env.int('how long a tenant\'s subscriptions are cached per replica (ms)', { default: 2000, min: 0, max: 600_000 }),
};

/** The live stream (`GET /v1/stream`) and the live map it serves at `/`. */
export const streamEnv = {
  NOTIFIER_STREAM_COALESCE_MS: env.int('least time between two position (or state) events of one device per stream client, ms; 0 sends every one', { default: 1000, min: 0, max: 60_000 }),
  NOTIFIER_STREAM_CLIENT_BUFFER_BYTES: env.int('unread bytes a stream client may fall behind before it is dropped (slow-consumer)', { default: 1024 * 1024, min: 16 * 1024, max: 64 * 1024 * 1024 }),
  NOTIFIER_STREAM_HEARTBEAT_SECONDS: env.int('seconds between heartbeat events on an idle stream', { default: 15, min: 1, max: 300 }),
  NOTIFIER_STREAM_REPLAY_EVENTS: env.int('events per tenant kept for Last-Event-ID resumes', { default: 2000, min: 0, max: 100_000 }),
  NOTIFIER_STREAM_REPLAY_SECONDS: env.int('seconds events are kept for Last-Event-ID resumes', { default: 300, min: 1, max: 3600 }),
  NOTIFIER_STREAM_MAX_CLIENTS: env.int('stream clients per replica (one more gets 503)', { default: 1000, min: 1, max: 100_000 }),
  NOTIFIER_STREAM_REPLICA_ID: env.string('names this replica\'s stream consumer group (geopulse-notifier-stream-<id>); default: host name and a random suffix', { default: '', pattern: /^[A-Za-z0-9._-]{0,100}$/ }),
  NOTIFIER_MAP_DIR: env.string('folder of the built live map served at / (default: the live-map project\'s dist next to this service; empty string in the image means the default)', { default: '' }),
  NOTIFIER_MAP_AGGREGATOR_URL: env.url('aggregator base URL as the browser reaches it (live map)', ['http', 'https'], 'http://localhost:3002'),
  NOTIFIER_MAP_RULES_URL: env.url('rules base URL as the browser reaches it (live map)', ['http', 'https'], 'http://localhost:3003'),
  NOTIFIER_MAP_GEO_URL: env.url('geo base URL as the browser reaches it (live map)', ['http', 'https'], 'http://localhost:3004'),
  NOTIFIER_MAP_TILE_URL: env.optionalString('base-map tile URL template for the live map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (unset: no tiles, a coordinate grid)'),
};

export interface StreamSettings {
  coalesceMs: number;
  maxBufferBytes: number;
  heartbeatMs: number;
  replay: { maxEvents: number; maxAgeMs: number };
  maxClients: number;
  replicaId: string;
}

/** What the live map reads from `/map-config.json`. */
export interface MapSettings {
  dir: string;
  aggregatorUrl: string;
  rulesUrl: string;
  geoUrl: string;
  tileUrl?: string;
}

const TILE_TEMPLATE = /^https?:\/\/[^\s"'<>]+$/;

export function streamSettings(source: EnvSource): { stream: StreamSettings; map: MapSettings } {
  const c = loadEnv(streamEnv, source);
  if (c.NOTIFIER_MAP_TILE_URL !== undefined && !(TILE_TEMPLATE.test(c.NOTIFIER_MAP_TILE_URL) && ['{z}', '{x}', '{y}'].every((p) => c.NOTIFIER_MAP_TILE_URL!.includes(p)))) {
    throw new ConfigError([`NOTIFIER_MAP_TILE_URL is invalid ("${c.NOTIFIER_MAP_TILE_URL}"): expected an http(s) URL template with {z}, {x} and {y}`]);
  }
  return {
    stream: {
      coalesceMs: c.NOTIFIER_STREAM_COALESCE_MS,
      maxBufferBytes: c.NOTIFIER_STREAM_CLIENT_BUFFER_BYTES,
      heartbeatMs: c.NOTIFIER_STREAM_HEARTBEAT_SECONDS * 1000,
      replay: { maxEvents: c.NOTIFIER_STREAM_REPLAY_EVENTS, maxAgeMs: c.NOTIFIER_STREAM_REPLAY_SECONDS * 1000 },
      maxClients: c.NOTIFIER_STREAM_MAX_CLIENTS,
      replicaId: c.NOTIFIER_STREAM_REPLICA_ID || `${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 60)}-${randomBytes(4).toString('hex')}`,
    },
    map: {
      dir: c.NOTIFIER_MAP_DIR || DEFAULT_MAP_DIR,
      aggregatorUrl: c.NOTIFIER_MAP_AGGREGATOR_URL.replace(/\/+$/, ''),
      rulesUrl: c.NOTIFIER_MAP_RULES_URL.replace(/\/+$/, ''),
      geoUrl: c.NOTIFIER_MAP_GEO_URL.replace(/\/+$/, ''),
      ...(c.NOTIFIER_MAP_TILE_URL ? { tileUrl: c.NOTIFIER_MAP_TILE_URL } : {}),
    },
  };
}

/** services/notifier/dist/config.js -> apps/live-map/dist (the repository layout and the image's). */
export const DEFAULT_MAP_DIR = resolve(__dirname, '../../../apps/live-map/dist');

export interface NotifierSettings {
  smtp: { url: string; from: string; maxConnections: number; timeoutMs: number; rejectUnauthorized: boolean; requireTls: boolean };
  retry: RetryPolicy;
  webhookTimeoutMs: number;
  allowList: AddressAllowList;
  traceUrlTemplate: string;
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  dedupTtlSeconds: number;
  subscriptionCacheMs: number;
  maxSubscriptionsPerTenant: number;
}

export function notifierSettings(source: EnvSource): NotifierSettings {
  const c = loadEnv(notifierEnv, source);
  let allowList: AddressAllowList;
  try {
    allowList = new AddressAllowList(c.NOTIFIER_WEBHOOK_ALLOW.split(',').map((s) => s.trim()).filter(Boolean));
  } catch (err) {
    throw new ConfigError([`NOTIFIER_WEBHOOK_ALLOW is invalid (${(err as Error).message}): expected comma-separated IPs or CIDR ranges`]);
  }
  if (c.NOTIFIER_RETRY_BASE_MS > c.NOTIFIER_RETRY_MAX_DELAY_MS) {
    throw new ConfigError([`NOTIFIER_RETRY_BASE_MS is invalid (${c.NOTIFIER_RETRY_BASE_MS} > NOTIFIER_RETRY_MAX_DELAY_MS): expected at most the longest delay`]);
  }
  const slowestAttemptMs = Math.max(c.NOTIFIER_WEBHOOK_TIMEOUT_MS, 3 * c.SMTP_TIMEOUT_MS);
  if (c.NOTIFIER_LEASE_SECONDS * 1000 <= slowestAttemptMs) {
    throw new ConfigError([
      `NOTIFIER_LEASE_SECONDS is invalid (${c.NOTIFIER_LEASE_SECONDS} s): expected more than the slowest attempt, ${slowestAttemptMs} ms (NOTIFIER_WEBHOOK_TIMEOUT_MS, or 3 x SMTP_TIMEOUT_MS)`,
    ]);
  }
  return {
    smtp: {
      url: c.SMTP_URL,
      from: c.SMTP_FROM,
      maxConnections: c.SMTP_POOL_MAX_CONNECTIONS,
      timeoutMs: c.SMTP_TIMEOUT_MS,
      rejectUnauthorized: c.SMTP_TLS_REJECT_UNAUTHORIZED,
      requireTls: c.SMTP_REQUIRE_TLS,
    },
    retry: {
      maxAttempts: c.NOTIFIER_RETRY_MAX_ATTEMPTS,
      baseDelayMs: c.NOTIFIER_RETRY_BASE_MS,
      maxDelayMs: c.NOTIFIER_RETRY_MAX_DELAY_MS,
      factor: c.NOTIFIER_RETRY_FACTOR,
      jitter: c.NOTIFIER_RETRY_JITTER,
    },
    webhookTimeoutMs: c.NOTIFIER_WEBHOOK_TIMEOUT_MS,
    allowList,
    traceUrlTemplate: c.NOTIFIER_TRACE_URL_TEMPLATE ?? sharedTraceUrlTemplate(source) ?? DEFAULT_TRACE_URL_TEMPLATE,
    concurrency: c.NOTIFIER_WORKER_CONCURRENCY,
    pollIntervalMs: c.NOTIFIER_POLL_INTERVAL_MS,
    leaseMs: c.NOTIFIER_LEASE_SECONDS * 1000,
    dedupTtlSeconds: c.NOTIFIER_DEDUP_DAYS * 86_400,
    maxSubscriptionsPerTenant: c.NOTIFIER_MAX_SUBSCRIPTIONS_PER_TENANT,
    subscriptionCacheMs: c.NOTIFIER_SUBSCRIPTION_CACHE_MS,
  };
}

export type NotifierConfig = PlatformConfig & { redisUrl: string; dynamo: DynamoSettings; notifier: NotifierSettings; live: { stream: StreamSettings; map: MapSettings } };

export function parseNotifierConfig(source: EnvSource): NotifierConfig {
  return platformConfig<{ dynamo: DynamoSettings; notifier: NotifierSettings; live: { stream: StreamSettings; map: MapSettings } }>(source, { defaultPort: 3005, redis: true }, {
    dynamo: () => dynamoSettings(source),
    notifier: () => notifierSettings(source),
    live: () => streamSettings(source),
  }) as NotifierConfig;
}

export const loadNotifierConfig = (): NotifierConfig => loadOrExit('notifier', () => parseNotifierConfig(process.env));
