import { randomBytes, randomUUID } from 'node:crypto';
import { topicName } from '@geopulse/contracts';
import { componentControl, JaegerClient, readTopic, waitFor, type CollectedSpan, type ServiceProcess } from '@geopulse/testing';
import { get, haversineMeters, newJwtSecret, operatorFor, post, startServices } from './support/platform';

const secret = newJwtSecret();
let services: Record<string, ServiceProcess>;
let tenant: string;
let token: string;
const env = () => process.env as Record<string, string>;

beforeAll(async () => {
  ({ tenant, token } = await operatorFor(secret));
  services = await startServices(['ingest', 'aggregator'], {
    GEOPULSE_JWT_SECRET: secret,
    INGEST_PRODUCE_TIMEOUT_MS: '3000',
    LOG_LEVEL: 'warn',
  });
  // Both services ready: topics exist and the aggregator's consumer has joined.
  for (const service of Object.values(services)) {
    await waitFor(async () => (await fetch(`${service.baseUrl}/readyz`)).ok, { timeoutMs: 60_000, description: `${service.name} ready` });
  }
});

afterAll(async () => {
  await Promise.all(Object.values(services ?? {}).map((s) => s.stop()));
});

const telemetryUrl = () => `${services.ingest.baseUrl}/v1/telemetry`;
const newTraceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
};

/** Walks parent links from `span` up; true when `ancestor` is on the way. */
function descendsFrom(span: CollectedSpan, ancestor: CollectedSpan, all: CollectedSpan[]): boolean {
  const byId = new Map(all.map((s) => [s.spanId, s]));
  let current: CollectedSpan | undefined = span;
  while (current?.parentSpanId) {
    if (current.parentSpanId === ancestor.spanId) return true;
    current = byId.get(current.parentSpanId);
  }
  return false;
}

describe('walking skeleton: ingest -> Kafka -> aggregator', () => {
  it('makes a new device queryable by state and nearby within seconds, as one trace across both services', async () => {
    const deviceId = `van-${randomUUID().slice(0, 8)}`;
    const position = { lat: 52.3702, lon: 4.8952, accuracy: 5 };
    const { traceId, traceparent } = newTraceparent();
    const ts = new Date(Date.now() - 1000).toISOString();

    const res = await post(telemetryUrl(), token, JSON.stringify({ deviceId, ts, position, metrics: { temperature: 48.5, occupancy: true } }), 'application/json', { traceparent });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1, ids: [expect.any(String)] });

    const state = await waitFor(
      async () => {
        const r = await get(`${services.aggregator.baseUrl}/v1/devices/${deviceId}/state`, token);
        return r.status === 200 ? r.body : undefined;
      },
      { timeoutMs: 10_000, description: 'device state in the aggregator' },
    );
    expect(state).toMatchObject({ deviceId, tenantId: tenant, ts, readingId: (res.body.ids as string[])[0], position, metrics: { temperature: 48.5, occupancy: true } });

    const center = { lat: 52.3712, lon: 4.8962 };
    const nearby = await get(`${services.aggregator.baseUrl}/v1/devices/nearby?lat=${center.lat}&lon=${center.lon}&radius=500`, token);
    expect(nearby.status).toBe(200);
    const items = nearby.body.items as Array<{ deviceId: string; distanceMeters: number }>;
    expect(items.map((i) => i.deviceId)).toEqual([deviceId]);
    expect(items[0].distanceMeters).toBeCloseTo(haversineMeters(center, position), 0);

    // Another tenant sees nothing of it.
    const other = await operatorFor(secret);
    expect((await get(`${services.aggregator.baseUrl}/v1/devices/${deviceId}/state`, other.token)).status).toBe(404);

    // One trace: ingest's HTTP server span is an ancestor of the aggregator's consumer span.
    const jaeger = new JaegerClient(env().JAEGER_QUERY_URL);
    const spans = await waitFor(
      async () => {
        const all = await jaeger.trace(traceId);
        const server = all.find((s) => s.serviceName === 'geopulse-ingest' && s.kind === 'SERVER');
        const consumer = all.find((s) => s.serviceName === 'geopulse-aggregator' && s.kind === 'CONSUMER');
        return server && consumer ? { all, server, consumer } : undefined;
      },
      { timeoutMs: 15_000, description: `spans of trace ${traceId} from ingest and aggregator` },
    );
    expect(spans.server.traceId).toBe(traceId);
    expect(spans.consumer.name).toBe(`${topicName('telemetry', env().KAFKA_TOPIC_PREFIX ?? '')} process`);
    expect(descendsFrom(spans.consumer, spans.server, spans.all)).toBe(true);
    expect(spans.all.some((s) => s.serviceName === 'geopulse-ingest' && s.kind === 'PRODUCER')).toBe(true);
  });

  it('answers bad input with a precise 4xx naming the offending path, and writes nothing to Kafka', async () => {
    const bad = Array.from({ length: 6 }, () => `bad-${randomUUID().slice(0, 8)}`);
    const ts = new Date().toISOString();
    const cases: Array<{ body: string; contentType?: string; status: number; code: string; path?: string }> = [
      { body: `{"deviceId":"${bad[0]}","ts":"${ts}",`, status: 400, code: 'MALFORMED_JSON' },
      { body: JSON.stringify({ deviceId: bad[1], metrics: { t: 1 } }), status: 400, code: 'INVALID_READING', path: '/ts' },
      { body: JSON.stringify({ deviceId: bad[2], ts, position: { lat: 91, lon: 4.9 } }), status: 400, code: 'INVALID_READING', path: '/position/lat' },
      { body: `{"deviceId":"${bad[3]}","ts":"${ts}","metrics":{"temperature":NaN}}`, status: 400, code: 'INVALID_READING', path: '/metrics/temperature' },
      { body: JSON.stringify({ deviceId: bad[4], ts, metrics: { t: 1 } }), contentType: 'text/csv', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      {
        body: JSON.stringify({ readings: [{ deviceId: bad[5], ts, metrics: { t: 1 } }, { deviceId: bad[5], ts: 'yesterday', metrics: { t: 2 } }] }),
        status: 400,
        code: 'INVALID_READING',
        path: '/ts',
      },
    ];
    for (const c of cases) {
      const res = await post(telemetryUrl(), token, c.body, c.contentType);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: c.status, code: c.code });
      if (c.path) expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: c.path })]));
    }
    const unauthenticated = await fetch(telemetryUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauthenticated.status).toBe(401);

    // A valid marker written after the bad requests: once it is in the topic, nothing of the bad ones is.
    const marker = `marker-${randomUUID().slice(0, 8)}`;
    expect((await post(telemetryUrl(), token, JSON.stringify({ deviceId: marker, ts, metrics: { t: 1 } }))).status).toBe(202);
    const records = await waitFor(
      async () => {
        const all = await readTopic({ brokers: env().KAFKA_BROKERS, topic: topicName('telemetry', env().KAFKA_TOPIC_PREFIX ?? '') });
        return all.some((r) => r.key === `${tenant}:${marker}`) ? all : undefined;
      },
      { timeoutMs: 20_000, description: 'marker reading in the telemetry topic' },
    );
    const keys = new Set(records.map((r) => r.key));
    for (const deviceId of bad) expect(keys.has(`${tenant}:${deviceId}`)).toBe(false);
    const markerRecord = records.find((r) => r.key === `${tenant}:${marker}`)!;
    expect(markerRecord.headers).toMatchObject({ ce_specversion: '1.0', ce_type: 'io.geopulse.telemetry.reading.v1', ce_source: '/geopulse/ingest', ce_subject: marker, 'content-type': 'application/json' });
    expect(markerRecord.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it('answers 503 and acknowledges nothing while Kafka is down, and works again after it returns', async () => {
    const kafka = componentControl(env().GEOPULSE_STACK_DIR, 'kafka');
    const deviceId = `outage-${randomUUID().slice(0, 8)}`;
    const reading = (n: number) => JSON.stringify({ deviceId, id: `${deviceId}-${n}`, ts: new Date().toISOString(), metrics: { n } });
    await kafka.stop();
    try {
      const started = Date.now();
      const res = await post(telemetryUrl(), token, reading(1));
      expect(res.status).toBe(503);
      // INGEST_PRODUCE_TIMEOUT_MS=3000 bounds the wait (the default would be 10 s).
      expect(Date.now() - started).toBeLessThan(8000);
      expect(res.body.code).toBe('KAFKA_UNAVAILABLE');
      expect(res.headers.get('retry-after')).toBe('5');
      const ready = await fetch(`${services.ingest.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await kafka.start();
    }
    const accepted = await waitFor(
      async () => {
        const res = await post(telemetryUrl(), token, reading(2));
        return res.status === 202 ? res : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, description: 'ingest accepting again after Kafka returned' },
    );
    expect(accepted.body.ids).toEqual([`${deviceId}-2`]);
    const state = await waitFor(
      async () => {
        const r = await get(`${services.aggregator.baseUrl}/v1/devices/${deviceId}/state`, token);
        return r.status === 200 ? r.body : undefined;
      },
      { timeoutMs: 60_000, description: 'state after recovery' },
    );
    expect(state.readingId).toBe(`${deviceId}-2`);
    // The reading answered 503 was never acknowledged; if a retry inside the client wrote it
    // anyway after recovery, it carries its own id and a 503 told the device to resend it.
    const records = await readTopic({ brokers: env().KAFKA_BROKERS, topic: topicName('telemetry', env().KAFKA_TOPIC_PREFIX ?? '') });
    expect(records.filter((r) => r.headers.ce_id === `${deviceId}-2`)).toHaveLength(1);
  });
});
