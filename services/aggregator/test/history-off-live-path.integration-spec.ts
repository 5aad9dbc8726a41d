import { freePort, ServiceProcess, waitFor } from '@geopulse/testing';
import { getJson, metricValue, newJwtSecret, newTopicPrefix, operatorFor, reading, TelemetryFeed } from './support/harness';

const secret = newJwtSecret();
const prefix = newTopicPrefix('offpath');
let aggregator: ServiceProcess;
let feed: TelemetryFeed;

interface Readiness {
  checks: Record<string, { ok: boolean }>;
}

beforeAll(async () => {
  // DynamoDB is unreachable for this replica: nothing listens on that port.
  const deadPort = await freePort();
  aggregator = await ServiceProcess.start({
    name: 'aggregator',
    env: {
      KAFKA_PARTITIONS: '3', LOG_LEVEL: 'error', GEOPULSE_JWT_SECRET: secret, KAFKA_TOPIC_PREFIX: prefix,
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${deadPort}`,
      // One long window: no window closes, so the live path never needs the aggregates table.
      AGGREGATOR_WINDOW_SECONDS: '3600',
      // The failing history partitions count as stalled after 10 s (readiness reports them).
      KAFKA_PARTITION_STALL_SECONDS: '10',
    },
  });
  await waitFor(async () => (await getJson<Readiness>(`${aggregator.baseUrl}/readyz`, '')).body.checks?.['telemetry-consumer']?.ok === true, {
    timeoutMs: 60_000,
    description: 'live consumer running',
  });
  feed = new TelemetryFeed(prefix);
});

afterAll(async () => {
  await feed?.close();
  await aggregator?.stop();
});

describe('history off the live path', () => {
  it('commits live state while the history table is unreachable, and readiness says which consumer is behind', async () => {
    const { tenant, token } = await operatorFor(secret);
    const now = Date.now();
    const readings = Array.from({ length: 40 }, (_, i) => reading(tenant, `off-${i % 4}`, now - 40_000 + i * 1000, { metrics: { i } }));
    await feed.send(readings);

    // The live group commits every reading although no history write can succeed.
    await waitFor(async () => (await metricValue(aggregator.baseUrl, 'geopulse_kafka_consumed_records_total', { group: `${prefix}geopulse-aggregator` })) >= 40, {
      timeoutMs: 60_000,
      intervalMs: 500,
      description: 'live group committed the 40 readings',
    });
    const state = await getJson<{ readingId: string }>(`${aggregator.baseUrl}/v1/devices/off-3/state`, token);
    expect({ status: state.status, readingId: state.body.readingId }).toEqual({ status: 200, readingId: readings[39].id });

    // The archive's group has committed nothing and keeps failing, which readiness reports.
    expect(await metricValue(aggregator.baseUrl, 'geopulse_kafka_consumed_records_total', { group: `${prefix}geopulse-aggregator-history` })).toBe(0);
    expect(await metricValue(aggregator.baseUrl, 'geopulse_aggregator_history_readings_total')).toBe(0);
    const readiness = await waitFor(
      async () => {
        const res = await getJson<Readiness>(`${aggregator.baseUrl}/readyz`, '');
        return res.body.checks['history-consumer']?.ok === false ? res : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000, description: 'history consumer reported not ready' },
    );
    expect(readiness.status).toBe(503);
    expect(readiness.body.checks['telemetry-consumer']).toEqual({ ok: true });
  });
});
