import { topicName } from '@geopulse/contracts';
import { DEAD_LETTER_HEADERS } from '@geopulse/kafka';
import { JaegerClient, readTopic, waitFor, type ServiceProcess } from '@geopulse/testing';
import { aggregatesOf, getJson, latestRevisions, metricValue, newJwtSecret, newTopicPrefix, operatorFor, reading, startAggregator, stackEnv, TelemetryFeed } from './support/harness';

const W = 10_000;
const secret = newJwtSecret();
const prefix = newTopicPrefix('win');
const env = { GEOPULSE_JWT_SECRET: secret, KAFKA_TOPIC_PREFIX: prefix, AGGREGATOR_WINDOW_SECONDS: '10', AGGREGATOR_ALLOWED_LATENESS_SECONDS: '10', AGGREGATOR_DEVICE_IDLE_SECONDS: '2' };
let aggregator: ServiceProcess;
let feed: TelemetryFeed;

beforeAll(async () => {
  aggregator = await startAggregator(env);
  feed = new TelemetryFeed(prefix);
});

afterAll(async () => {
  await feed?.close();
  await aggregator?.stop();
});

const alignedBase = (agoMs: number) => Math.floor((Date.now() - agoMs) / W) * W;

describe('tumbling event-time windows', () => {
  it('emits the scripted feed exactly: windows, late revisions, too-late readings dead-lettered, the idle device closing its last window', async () => {
    const { tenant } = await operatorFor(secret);
    // Windows close by the device's own event time (decision 0204): other tests' devices on the partition do not matter.
    const base = alignedBase(30 * 60_000);
    const script: Array<[number, number, { lat: number; lon: number }?]> = [
      [1, 10, { lat: 52.0, lon: 4.0 }],
      [3, 20, { lat: 52.001, lon: 4.0 }],
      [5, 30],
      [12, 5], // device time +12 s: window 0 closes -> revision 0 (count 3)
      [8, 40, { lat: 52.002, lon: 4.0 }], // late within lateness -> window 0 revision 1
      [25, 7], // window 1 closes -> revision 0
      [9, 50], // too late (window 0 ends +10 s, +10 s lateness <= 25)
      [15, 6], // late -> window 1 revision 1
      [31, 1], // window 2 closes -> revision 0
      [19, 100], // too late
    ];
    const readings = script.map(([sec, v, position], i) => ({ ...reading(tenant, 'scripted', base + sec * 1000, { metrics: { v, on: true }, ...(position ? { position } : {}) }), id: `${tenant}-s${i}` }));
    await feed.send(readings);

    // The last window (30-40 s) closes only because the device goes silent for the idle time.
    const aggregates = await waitFor(() => aggregatesOf(prefix, tenant, 6), { timeoutMs: 60_000, intervalMs: 1000, description: 'six aggregates' });
    const summary = aggregates.map(({ data }) => [(Date.parse(data.windowStart) - base) / 1000, data.revision, data.count, data.metrics.v]);
    expect(summary).toEqual([
      [0, 0, 3, { count: 3, min: 10, max: 30, sum: 60, avg: 20, last: 30 }],
      [0, 1, 4, { count: 4, min: 10, max: 40, sum: 100, avg: 25, last: 40 }],
      [10, 0, 1, { count: 1, min: 5, max: 5, sum: 5, avg: 5, last: 5 }],
      [10, 1, 2, { count: 2, min: 5, max: 6, sum: 11, avg: 5.5, last: 6 }],
      [20, 0, 1, { count: 1, min: 7, max: 7, sum: 7, avg: 7, last: 7 }],
      [30, 0, 1, { count: 1, min: 1, max: 1, sum: 1, avg: 1, last: 1 }],
    ]);
    const w0 = aggregates[1].data;
    expect(w0.firstPosition).toEqual({ lat: 52.0, lon: 4.0, ts: new Date(base + 1000).toISOString() });
    expect(w0.lastPosition).toEqual({ lat: 52.002, lon: 4.0, ts: new Date(base + 8000).toISOString() });
    expect(w0.distanceMeters).toBeCloseTo(222.4, 0);
    expect(aggregates.map((a) => a.id)).toEqual(aggregates.map((a) => `${tenant}:scripted:${Date.parse(a.data.windowStart)}:${a.data.revision}`));
    for (const a of aggregates) expect(a.traceparent).toMatch(/^00-[0-9a-f]{32}-/);
    // The aggregate continues the trace of the reading that last changed its window: its
    // publish span is a child of the aggregator's consumer span of that reading.
    const [, traceId, parentSpanId] = aggregates[1].traceparent!.split('-');
    const spans = await waitFor(
      async () => {
        const all = await new JaegerClient(stackEnv().JAEGER_QUERY_URL).trace(traceId);
        const publish = all.find((s) => s.spanId === parentSpanId);
        const consume = publish && all.find((s) => s.spanId === publish.parentSpanId);
        return publish && consume ? { publish, consume } : undefined;
      },
      { timeoutMs: 20_000, description: 'publish and consumer spans of the revised window' },
    );
    expect(spans.publish).toMatchObject({ kind: 'PRODUCER', name: `${topicName('aggregates', prefix)} publish`, serviceName: 'geopulse-aggregator' });
    expect(spans.consume).toMatchObject({ kind: 'CONSUMER', name: `${topicName('telemetry', prefix)} process`, serviceName: 'geopulse-aggregator' });
    expect(spans.consume.attributes['messaging.message.id']).toBe(`${tenant}-s4`);

    const deadLetters = await waitFor(
      async () => {
        const records = await readTopic({ brokers: stackEnv().KAFKA_BROKERS, topic: topicName('deadLetter', prefix) });
        const mine = records.filter((r) => r.key === `${tenant}:scripted`);
        return mine.length >= 2 ? mine : undefined;
      },
      { timeoutMs: 20_000, description: 'two too-late readings in the dead-letter topic' },
    );
    expect(deadLetters.map((r) => [r.headers.ce_id, r.headers[DEAD_LETTER_HEADERS.reason]])).toEqual([
      [`${tenant}-s6`, 'too-late'],
      [`${tenant}-s9`, 'too-late'],
    ]);
    expect(await metricValue(aggregator.baseUrl, 'geopulse_aggregator_late_readings_total', { outcome: 'too-late' })).toBeGreaterThanOrEqual(2);
    expect(await metricValue(aggregator.baseUrl, 'geopulse_aggregator_late_readings_total', { outcome: 'within-lateness' })).toBeGreaterThanOrEqual(2);
    expect(await metricValue(aggregator.baseUrl, 'geopulse_aggregator_window_emits_total', { kind: 'revision' })).toBeGreaterThanOrEqual(2);
  });

  it('counts every reading exactly once when the aggregator is SIGKILLed in the middle of a 50,000-reading feed', async () => {
    const { tenant, token } = await operatorFor(secret);
    const devices = 100;
    const perDevice = 500;
    const base = alignedBase(20 * 60_000);
    const readings = [];
    for (let j = 0; j < perDevice; j++) {
      for (let d = 0; d < devices; d++) {
        readings.push({ ...reading(tenant, `crash-${d}`, base + j * 1000 + d, { metrics: { v: j }, position: { lat: 52 + j / 10_000, lon: 4 + d / 1000 } }), id: `${tenant}-${d}-${j}` });
      }
    }
    const consumedBefore = await metricValue(aggregator.baseUrl, 'geopulse_kafka_consumed_records_total');
    const sending = feed.send(readings, 1000);
    await waitFor(async () => (await metricValue(aggregator.baseUrl, 'geopulse_kafka_consumed_records_total')) - consumedBefore >= 15_000, {
      timeoutMs: 60_000,
      intervalMs: 50,
      description: '15,000 readings consumed before the crash',
    });
    const exit = await aggregator.kill();
    expect(exit.signal).toBe('SIGKILL');
    await sending;
    aggregator = await startAggregator({ ...env, PORT: String(aggregator.port) });

    const expectedWindows = devices * (perDevice / 10);
    const windows = await waitFor(
      async () => {
        const latest = latestRevisions(await aggregatesOf(prefix, tenant));
        return latest.size >= expectedWindows ? latest : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 2000, description: `${expectedWindows} windows of the crash feed` },
    );
    expect(windows.size).toBe(expectedWindows);
    const wrong = [...windows.values()].filter((a) => a.count !== 10 || a.metrics.v.count !== 10);
    expect(wrong.map((a) => `${a.deviceId}@${a.windowStart}: ${a.count}`)).toEqual([]);
    const total = [...windows.values()].reduce((sum, a) => sum + a.count, 0);
    expect(total).toBe(devices * perDevice);

    for (const d of [0, 37, 99]) {
      const state = await getJson<Record<string, unknown>>(`${aggregator.baseUrl}/v1/devices/crash-${d}/state`, token);
      expect(state.body).toMatchObject({ ts: new Date(base + (perDevice - 1) * 1000 + d).toISOString(), metrics: { v: perDevice - 1 } });
    }
  }, 240_000);
});
