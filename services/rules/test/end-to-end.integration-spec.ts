import { randomBytes, randomUUID } from 'node:crypto';
import { deviceRecordKey, EVENT_TYPES, eventSource, topicName, type GeofenceForecastData, type GeofenceTransitionData } from '@geopulse/contracts';
import { kafkaSettings } from '@geopulse/config';
import { createKafkaClient, EventProducer } from '@geopulse/kafka';
import { JsonLogger } from '@geopulse/observability';
import { JaegerClient, readTopic, ServiceProcess, waitFor } from '@geopulse/testing';
import { AlertCollector, api, newRulesStack, settled, startRules, type RulesStack } from './support/rules-harness';

let s: RulesStack;
let rules: ServiceProcess;
let ingest: ServiceProcess;
let collector: AlertCollector;
const env = () => process.env as Record<string, string>;

beforeAll(async () => {
  s = await newRulesStack('e2e');
  [rules, ingest] = await Promise.all([
    startRules(s),
    ServiceProcess.start({ name: 'ingest', env: { KAFKA_PARTITIONS: '3', KAFKA_TOPIC_PREFIX: s.prefix, DYNAMODB_TABLE_PREFIX: s.prefix, GEOPULSE_JWT_SECRET: s.secret, LOG_LEVEL: 'warn' } }),
  ]);
  await waitFor(async () => (await fetch(`${ingest.baseUrl}/readyz`)).ok, { timeoutMs: 60_000, description: 'ingest ready' });
  collector = new AlertCollector(s.prefix);
  await collector.start();
}, 120_000);

afterAll(async () => {
  await collector?.stop();
  await Promise.all([rules, ingest].filter(Boolean).map((p) => p.stop()));
});

describe('rules end to end', () => {
  it('turns a reading posted to ingest into an alert in the same trace, stored and queryable', async () => {
    const device = `thermostat-${randomUUID().slice(0, 6)}`;
    const rule = await api('POST', `${rules.baseUrl}/v1/rules`, s.token, { id: 'cold-office', name: 'Office too cold while occupied', expression: 'temperature < 50 && occupancy == true', target: { deviceIds: [device] }, severity: 'CRITICAL' });
    expect(rule.status).toBe(201);
    const traceId = randomBytes(16).toString('hex');
    const posted = await fetch(`${ingest.baseUrl}/v1/telemetry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: JSON.stringify({ deviceId: device, ts: new Date().toISOString(), metrics: { temperature: 48.5, occupancy: true } }),
    });
    expect(posted.status).toBe(202);
    const readingId = ((await posted.json()) as { ids: string[] }).ids[0];
    const alert = await waitFor(async () => collector.of((d) => d.deviceId === device)[0], { timeoutMs: 15_000, description: 'START alert' });
    expect(alert.data).toMatchObject({ ruleId: 'cold-office', ruleName: 'Office too cold while occupied', status: 'START', severity: 'CRITICAL', traceId, triggeringReadings: [expect.objectContaining({ id: readingId, metrics: { temperature: 48.5, occupancy: true } })] });
    const stored = await waitFor(
      async () => {
        const r = await api('GET', `${rules.baseUrl}/v1/alerts?status=FIRING&deviceId=${device}&ruleId=cold-office`, s.token);
        return (r.body.items as unknown[]).length === 1 ? r.body.items : undefined;
      },
      { timeoutMs: 10_000, description: 'FIRING alert stored' },
    );
    expect(stored).toEqual([expect.objectContaining({ alertId: alert.data.alertId, status: 'FIRING', traceId })]);
    const spans = await waitFor(
      async () => {
        const all = await new JaegerClient(env().JAEGER_QUERY_URL).trace(traceId);
        return all.some((x) => x.serviceName === 'geopulse-rules' && x.kind === 'CONSUMER') && all.some((x) => x.serviceName === 'geopulse-ingest') ? all : undefined;
      },
      { timeoutMs: 15_000, description: 'ingest and rules spans in one trace' },
    );
    expect(spans.find((x) => x.serviceName === 'geopulse-rules')?.name).toBe(`${topicName('telemetry', s.prefix)} process`);
  });

  it("evaluates inGeofence('depot') from geofence transition events", async () => {
    const device = `van-${randomUUID().slice(0, 6)}`;
    const rule = await api('POST', `${rules.baseUrl}/v1/rules`, s.token, { id: 'warm-in-depot', name: 'warm in depot', expression: "inGeofence('depot') && temperature > 5", target: { deviceIds: [device] } });
    expect(rule.status).toBe(201);
    const settings = kafkaSettings({ ...env(), KAFKA_TOPIC_PREFIX: s.prefix, KAFKA_PARTITIONS: '3' });
    const logger = new JsonLogger('rules-it', 'error');
    const producer = new EventProducer(createKafkaClient(settings, 'rules-it', logger.child('kafka')), settings, logger.child('producer'), 30_000);
    const transition = async (kind: 'ENTER' | 'EXIT') => {
      const at = new Date().toISOString();
      const data: GeofenceTransitionData = { tenantId: s.tenant, deviceId: device, geofenceId: 'depot', geofenceName: 'Depot', transition: kind, reason: 'position', at, position: { lat: 52.37, lon: 4.89 }, visitStartedAt: at };
      await producer.publish('geofenceEvents', [{ key: deviceRecordKey(s.tenant, device), event: { specversion: '1.0' as const, id: randomUUID(), source: eventSource('geo'), type: EVENT_TYPES.geofenceTransition, time: at, subject: device, datacontenttype: 'application/json' as const, data } }]);
    };
    const post = async (temperature: number) =>
      expect(
        (await fetch(`${ingest.baseUrl}/v1/telemetry`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ deviceId: device, ts: new Date().toISOString(), metrics: { temperature } }) })).status,
      ).toBe(202);
    // A forecast (predicted ENTER) on the same topic is no ENTER, and no poison record either.
    const forecastId = randomUUID();
    const forecast = async () => {
      const at = new Date().toISOString();
      const data: GeofenceForecastData = {
        tenantId: s.tenant, deviceId: device, geofenceId: 'depot', geofenceName: 'Depot', transition: 'ENTER', at, predictedAt: at, etaSeconds: 30, distanceMeters: 300,
        speedMps: 10, headingDegrees: 0, position: { lat: 52.36, lon: 4.89 }, predictedPosition: { lat: 52.37, lon: 4.89 },
      };
      await producer.publish('geofenceEvents', [{ key: deviceRecordKey(s.tenant, device), event: { specversion: '1.0' as const, id: forecastId, source: eventSource('geo'), type: EVENT_TYPES.geofenceForecast, time: at, subject: device, datacontenttype: 'application/json' as const, data } }]);
    };
    try {
      await post(20);
      await forecast();
      // Evaluated (not just waited for): outside the depot, a warm reading fires nothing.
      await settled(s.prefix, collector);
      expect(collector.of((d) => d.deviceId === device)).toEqual([]);
      const dead = await readTopic({ brokers: env().KAFKA_BROKERS, topic: topicName('deadLetter', s.prefix), timeoutMs: 15_000 });
      expect(dead.filter((r) => r.headers.ce_id === forecastId)).toEqual([]);
      await transition('ENTER');
      await waitFor(async () => collector.of((d) => d.deviceId === device && d.status === 'START').length === 1, { timeoutMs: 10_000, description: 'START on ENTER' });
      await transition('EXIT');
      await waitFor(async () => collector.of((d) => d.deviceId === device && d.status === 'STOP').length === 1, { timeoutMs: 10_000, description: 'STOP on EXIT' });
    } finally {
      await producer.disconnect();
    }
  });
});
