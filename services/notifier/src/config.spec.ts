import { ConfigError } from '@geopulse/config';
import { parseNotifierConfig } from './config';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092', REDIS_URL: 'redis://127.0.0.1:6379', AWS_REGION: 'eu-west-1', GEOPULSE_JWT_SECRET: 'x'.repeat(32), SMTP_URL: 'smtp://127.0.0.1:2525',
};

function problems(env: Record<string, string>): string[] {
  try {
    parseNotifierConfig({ ...base, ...env });
  } catch (err) {
    return (err as ConfigError).problems;
  }
  return [];
}

describe('notifier config', () => {
  it('parses defaults: 8 attempts from 2 s, allow-list empty, trace link to Jaeger', () => {
    const c = parseNotifierConfig(base);
    expect(c.notifier.retry).toEqual({ maxAttempts: 8, baseDelayMs: 2000, maxDelayMs: 900_000, factor: 2, jitter: 0.25 });
    expect(c.notifier.allowList.entries).toEqual([]);
    expect(c.notifier.traceUrlTemplate).toBe('http://localhost:16686/trace/{{traceId}}');
  });

  it('takes the trace link from its own variable, else the shared one; none means no link; a template without {{traceId}} is refused', () => {
    const shared = { GEOPULSE_TRACE_URL_TEMPLATE: 'http://127.0.0.1:41234/trace/{{traceId}}' };
    expect(parseNotifierConfig({ ...base, ...shared }).notifier.traceUrlTemplate).toBe(shared.GEOPULSE_TRACE_URL_TEMPLATE);
    expect(parseNotifierConfig({ ...base, ...shared, NOTIFIER_TRACE_URL_TEMPLATE: 'https://jaeger.example/trace/{{traceId}}' }).notifier.traceUrlTemplate).toBe('https://jaeger.example/trace/{{traceId}}');
    expect(parseNotifierConfig({ ...base, NOTIFIER_TRACE_URL_TEMPLATE: 'none' }).notifier.traceUrlTemplate).toBe('');
    expect(problems({ NOTIFIER_TRACE_URL_TEMPLATE: 'http://jaeger/trace/' })).toEqual([expect.stringMatching(/^NOTIFIER_TRACE_URL_TEMPLATE is invalid \(no \{\{traceId\}\} placeholder\)/)]);
    expect(problems({ GEOPULSE_TRACE_URL_TEMPLATE: 'ftp://x/{{traceId}}' })).toEqual([expect.stringMatching(/^GEOPULSE_TRACE_URL_TEMPLATE is invalid \(scheme ftp: /)]);
  });

  it('names every wrong variable', () => {
    expect(problems({ SMTP_URL: 'http://x', NOTIFIER_RETRY_MAX_ATTEMPTS: '0' })).toEqual([expect.stringMatching(/^SMTP_URL is invalid/), expect.stringMatching(/^NOTIFIER_RETRY_MAX_ATTEMPTS is invalid/)]);
    expect(problems({ SMTP_URL: '' })[0]).toMatch(/^SMTP_URL is not set/);
    expect(problems({ NOTIFIER_WEBHOOK_ALLOW: '127.0.0.1,10.0.0.0/40' })[0]).toMatch(/^NOTIFIER_WEBHOOK_ALLOW is invalid/);
    expect(problems({ NOTIFIER_LEASE_SECONDS: '5', NOTIFIER_WEBHOOK_TIMEOUT_MS: '10000' })[0]).toMatch(/^NOTIFIER_LEASE_SECONDS is invalid/);
    expect(problems({ NOTIFIER_RETRY_BASE_MS: '5000', NOTIFIER_RETRY_MAX_DELAY_MS: '1000' })[0]).toMatch(/^NOTIFIER_RETRY_BASE_MS is invalid/);
  });

  it('parses the live stream and map settings, with a replica id of its own per process, and names a bad one', () => {
    const c = parseNotifierConfig(base);
    expect(c.live.stream).toMatchObject({ coalesceMs: 1000, maxBufferBytes: 1024 * 1024, heartbeatMs: 15_000, replay: { maxEvents: 2000, maxAgeMs: 300_000 }, maxClients: 1000 });
    expect(c.live.stream.replicaId).not.toBe(parseNotifierConfig(base).live.stream.replicaId);
    expect(c.live.map).toMatchObject({ aggregatorUrl: 'http://localhost:3002', rulesUrl: 'http://localhost:3003', geoUrl: 'http://localhost:3004', dir: expect.stringMatching(/apps\/live-map\/dist$/) });
    expect(c.live.map.tileUrl).toBeUndefined();
    const set = parseNotifierConfig({ ...base, NOTIFIER_STREAM_REPLICA_ID: 'pod-1', NOTIFIER_MAP_GEO_URL: 'https://geo.example/', NOTIFIER_MAP_TILE_URL: 'https://tiles.example/{z}/{x}/{y}.png' }).live;
    expect([set.stream.replicaId, set.map.geoUrl, set.map.tileUrl]).toEqual(['pod-1', 'https://geo.example', 'https://tiles.example/{z}/{x}/{y}.png']);
    expect(problems({ NOTIFIER_MAP_TILE_URL: 'https://tiles.example/{z}.png', NOTIFIER_STREAM_CLIENT_BUFFER_BYTES: '100', NOTIFIER_STREAM_REPLICA_ID: 'a b' })).toEqual([
      expect.stringMatching(/^NOTIFIER_STREAM_CLIENT_BUFFER_BYTES is invalid/),
      expect.stringMatching(/^NOTIFIER_STREAM_REPLICA_ID is invalid/),
    ]);
    expect(problems({ NOTIFIER_MAP_TILE_URL: 'https://tiles.example/{z}.png' })).toEqual([expect.stringMatching(/^NOTIFIER_MAP_TILE_URL is invalid .*\{z\}, \{x\} and \{y\}/)]);
    expect(problems({ GEOPULSE_CORS_ORIGINS: 'http://localhost:3005/map' })).toEqual([expect.stringMatching(/^GEOPULSE_CORS_ORIGINS is invalid/)]);
    expect(parseNotifierConfig({ ...base, GEOPULSE_CORS_ORIGINS: 'http://localhost:3005, https://map.example' }).http.GEOPULSE_CORS_ORIGINS).toBe('http://localhost:3005, https://map.example');
  });
});
