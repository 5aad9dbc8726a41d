import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consumerGroupName, topicName } from '@geopulse/contracts';
import { JaegerClient, SmtpSinkClient, waitFor, type CollectedSpan, type ServiceProcess } from '@geopulse/testing';
import { get, newJwtSecret, operatorFor, post, startServices } from './support/platform';

// One reading that fires a rule and enters a geofence, with an e-mail and a webhook subscription
// on both: the whole journey through the five services must be ONE trace in Jaeger, with the
// messaging attributes and the tenant and device on every Kafka and delivery span.

const secret = newJwtSecret();
const prefix = `trace-${randomUUID().slice(0, 6)}.`;
const env = () => process.env as Record<string, string>;
const topic = (key: Parameters<typeof topicName>[0]) => topicName(key, prefix);
let services: Record<string, ServiceProcess>;
let tenant: string;
let token: string;

/** Answers 500 to the first request, 204 afterwards: a delivery that needs one retry. */
class FlakyWebhook {
  readonly received: Array<{ headers: IncomingHttpHeaders; body: string; status: number }> = [];
  private server?: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const status = this.received.length === 0 ? 500 : 204;
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const webhook = new FlakyWebhook();

beforeAll(async () => {
  ({ tenant, token } = await operatorFor(secret));
  await webhook.start();
  services = await startServices(['ingest', 'aggregator', 'rules', 'geo', 'notifier'], {
    GEOPULSE_JWT_SECRET: secret,
    KAFKA_TOPIC_PREFIX: prefix,
    DYNAMODB_TABLE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    NOTIFIER_WEBHOOK_ALLOW: '127.0.0.1',
    NOTIFIER_RETRY_BASE_MS: '300',
    NOTIFIER_RETRY_JITTER: '0',
    NOTIFIER_POLL_INTERVAL_MS: '50',
    NOTIFIER_SUBSCRIPTION_CACHE_MS: '0',
    SMTP_FROM: 'geopulse@trace.test',
  }, 120_000); // five Node processes starting at once on a busy machine
  for (const service of Object.values(services)) {
    await waitFor(async () => (await fetch(`${service.baseUrl}/readyz`)).ok, { timeoutMs: 90_000, description: `${service.name} ready` });
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(Object.values(services ?? {}).map((s) => s.stop()));
  await webhook.stop();
});

function only(spans: CollectedSpan[], description: string, match: (s: CollectedSpan) => boolean): CollectedSpan {
  const found = spans.filter(match);
  if (found.length !== 1) {
    throw new Error(`expected one ${description}, found ${found.length} among:\n${spans.map((s) => `  ${s.serviceName} ${s.kind} ${s.name}`).join('\n')}`);
  }
  return found[0];
}

describe('one reading, one trace across all five services (Jaeger)', () => {
  it('links ingest, aggregator, rules, geo and notifier spans into one tree, with messaging, tenant and device attributes and a retried webhook as a second attempt', async () => {
    const deviceId = `truck-${randomUUID().slice(0, 8)}`;
    const position = { lat: 52.3731, lon: 4.8926 };
    const to = `ops-${randomUUID().slice(0, 6)}@example.com`;
    const types = ['alert.start', 'geofence.enter'];

    const call = async (service: string, path: string, body: unknown) => {
      const res = await post(`${services[service].baseUrl}${path}`, token, JSON.stringify(body));
      expect({ path, status: res.status }).toEqual({ path, status: 201 });
    };
    await call('rules', '/v1/rules', { id: 'too-hot', name: 'Too hot', expression: 'temperature > 30', target: { deviceIds: [deviceId] }, severity: 'CRITICAL' });
    await call('geo', '/v1/geofences', { id: 'dam', name: 'Dam Square', geometry: { type: 'Circle', center: [position.lon, position.lat], radiusMeters: 300 } });
    await call('notifier', '/v1/subscriptions', { name: 'ops mail', filter: { types, deviceIds: [deviceId] }, channel: { type: 'email', to: [to] } });
    await call('notifier', '/v1/subscriptions', { name: 'ops hook', filter: { types, deviceIds: [deviceId] }, channel: { type: 'webhook', url: webhook.url, secret: 'one-trace-webhook-secret', mode: 'structured' } });

    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const res = await post(`${services.ingest.baseUrl}/v1/telemetry`, token, JSON.stringify({ deviceId, ts: new Date().toISOString(), position, metrics: { temperature: 45 } }), 'application/json', {
      traceparent: `00-${traceId}-${clientSpanId}-01`,
    });
    expect(res.status).toBe(202);
    const readingId = (res.body.ids as string[])[0];

    // Both deliveries of both events, the webhook's first attempt answered 500.
    const smtp = new SmtpSinkClient();
    const mails = await waitFor(async () => {
      const found = await smtp.messages({ to });
      return found.length === 2 ? found : undefined;
    }, { timeoutMs: 60_000, description: 'an e-mail for the alert and one for the geofence entry' });
    await waitFor(() => webhook.received.filter((r) => r.status === 204).length === 2 || undefined, { timeoutMs: 60_000, description: 'both webhooks delivered, one after a retry' });

    // Every e-mail and webhook names the trace; the e-mail links to the local Jaeger.
    const link = env().GEOPULSE_TRACE_URL_TEMPLATE.replace('{{traceId}}', traceId);
    for (const mail of mails) expect(mail.text).toContain(link);
    for (const hook of webhook.received) expect((JSON.parse(hook.body) as { traceparent?: string }).traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    // The alerts API names the trace and links to it.
    const alerts = await waitFor(async () => {
      const r = await get(`${services.rules.baseUrl}/v1/alerts?deviceId=${deviceId}`, token);
      const items = r.body.items as Array<Record<string, unknown>>;
      return items.length === 1 ? items : undefined;
    }, { timeoutMs: 15_000, description: 'the stored alert' });
    expect(alerts[0]).toMatchObject({ traceId, traceUrl: link });

    const jaeger = new JaegerClient(env().JAEGER_QUERY_URL);
    const spans = await waitFor(async () => {
      const all = await jaeger.trace(traceId);
      const notifies = all.filter((s) => s.name.startsWith('notify '));
      return notifies.length >= 5 ? all : undefined;
    }, { timeoutMs: 30_000, description: `two e-mail and three webhook delivery spans of trace ${traceId} in Jaeger` });
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
    for (const service of ['ingest', 'aggregator', 'rules', 'geo', 'notifier']) expect(await jaeger.services()).toContain(`geopulse-${service}`);

    const byKind = (service: string, kind: CollectedSpan['kind'], name: string) => (s: CollectedSpan) => s.serviceName === `geopulse-${service}` && s.kind === kind && s.name === name;
    const server = only(spans, 'ingest HTTP span', (s) => s.serviceName === 'geopulse-ingest' && s.kind === 'SERVER');
    expect(server.parentSpanId).toBe(clientSpanId);
    expect(server.name).toMatch(/^POST/);

    const publishReading = only(spans, 'reading produce span', byKind('ingest', 'PRODUCER', `${topic('telemetry')} publish`));
    const consumeReading = (service: string, group = `geopulse-${service}`) =>
      only(spans, `${service} consume span (${group})`, (s) => byKind(service, 'CONSUMER', `${topic('telemetry')} process`)(s) && s.attributes['messaging.consumer.group.name'] === consumerGroupName(group, prefix));
    const [aggregator, rules, geo] = ['aggregator', 'rules', 'geo'].map((service) => consumeReading(service));
    // The aggregator reads the readings in a second group too: raw history, off the live path (decision 0203).
    const archive = consumeReading('aggregator', 'geopulse-aggregator-history');
    const publishAlert = only(spans, 'alert produce span', byKind('rules', 'PRODUCER', `${topic('alerts')} publish`));
    const publishEntry = only(spans, 'geofence event produce span', byKind('geo', 'PRODUCER', `${topic('geofenceEvents')} publish`));
    // The notifier's delivery group (its live stream reads the same topics in a group per replica).
    const delivering = (s: CollectedSpan) => s.attributes['messaging.consumer.group.name'] === consumerGroupName('geopulse-notifier', prefix);
    const notifyAlert = only(spans, 'notifier consume span of the alert', (s) => byKind('notifier', 'CONSUMER', `${topic('alerts')} process`)(s) && delivering(s));
    const notifyEntry = only(spans, 'notifier consume span of the entry', (s) => byKind('notifier', 'CONSUMER', `${topic('geofenceEvents')} process`)(s) && delivering(s));

    // The tree.
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const descends = (span: CollectedSpan, ancestor: CollectedSpan) => {
      for (let s: CollectedSpan | undefined = span; s?.parentSpanId; s = byId.get(s.parentSpanId)) if (s.parentSpanId === ancestor.spanId) return true;
      return false;
    };
    expect(descends(publishReading, server)).toBe(true);
    for (const consumer of [aggregator, archive, rules, geo]) expect(consumer.parentSpanId).toBe(publishReading.spanId);
    expect(descends(publishAlert, rules)).toBe(true);
    expect(descends(publishEntry, geo)).toBe(true);
    expect(notifyAlert.parentSpanId).toBe(publishAlert.spanId);
    expect(notifyEntry.parentSpanId).toBe(publishEntry.spanId);

    const deliveries = spans.filter((s) => s.serviceName === 'geopulse-notifier' && s.name.startsWith('notify '));
    const deliveriesOf = (consumer: CollectedSpan) =>
      deliveries.filter((s) => s.parentSpanId === consumer.spanId).map((s) => [s.name, s.attributes['geopulse.delivery.attempt'], s.status.code]).sort((a, b) => String(a).localeCompare(String(b)));
    const retried = (consumer: CollectedSpan) => deliveries.some((s) => s.parentSpanId === consumer.spanId && s.status.code === 'ERROR');
    const [first, second] = retried(notifyAlert) ? [notifyAlert, notifyEntry] : [notifyEntry, notifyAlert];
    expect(deliveriesOf(first)).toEqual([['notify email', 1, 'UNSET'], ['notify webhook', 1, 'ERROR'], ['notify webhook', 2, 'UNSET']]);
    expect(deliveriesOf(second)).toEqual([['notify email', 1, 'UNSET'], ['notify webhook', 1, 'UNSET']]);
    const attempts = deliveries.filter((s) => s.parentSpanId === first.spanId && s.name === 'notify webhook');
    expect(new Set(attempts.map((s) => s.attributes['geopulse.delivery.id'])).size).toBe(1);

    // Messaging semantic conventions, tenant and device on every Kafka and delivery span.
    const who = { 'geopulse.tenant': tenant, 'geopulse.device_id': deviceId };
    const kafkaSpan = (span: CollectedSpan, topicKey: Parameters<typeof topicName>[0], operation: 'send' | 'process') =>
      expect(span.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.destination.name': topic(topicKey),
        'messaging.operation.type': operation,
        'messaging.operation.name': operation,
        'messaging.message.id': expect.any(String),
        ...who,
      });
    kafkaSpan(publishReading, 'telemetry', 'send');
    for (const consumer of [aggregator, archive, rules, geo]) {
      kafkaSpan(consumer, 'telemetry', 'process');
      expect(consumer.attributes['messaging.message.id']).toBe(readingId);
    }
    expect(publishReading.attributes['messaging.message.id']).toBe(readingId);
    kafkaSpan(publishAlert, 'alerts', 'send');
    kafkaSpan(notifyAlert, 'alerts', 'process');
    expect(notifyAlert.attributes['messaging.message.id']).toBe(publishAlert.attributes['messaging.message.id']);
    kafkaSpan(publishEntry, 'geofenceEvents', 'send');
    kafkaSpan(notifyEntry, 'geofenceEvents', 'process');
    expect(notifyEntry.attributes['messaging.message.id']).toBe(publishEntry.attributes['messaging.message.id']);
    for (const delivery of deliveries) expect(delivery.attributes).toMatchObject({ ...who, 'messaging.message.id': expect.any(String), 'geopulse.delivery.channel': delivery.name.slice('notify '.length) });
  });
});
