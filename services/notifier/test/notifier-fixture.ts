import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signDevelopmentToken } from '@geopulse/auth';
import { kafkaSettings } from '@geopulse/config';
import { alertEventId, deviceRecordKey, encodeCloudEvent, EVENT_TYPES, eventSource, topicName, type AlertEventData, type CloudEvent, type GeofenceForecastData, type GeofenceTransitionData } from '@geopulse/contracts';
import { createKafkaClient, EventProducer } from '@geopulse/kafka';
import { JsonLogger } from '@geopulse/observability';
import { readTopic, ServiceProcess, waitFor, type TopicRecord } from '@geopulse/testing';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** One request the loopback receiver got. */
export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A real HTTP server on 127.0.0.1: records every request; `/fail...` answers 500, the rest 204. */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  private server?: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        res.statusCode = req.url?.startsWith('/fail') ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}${path}`;
  }

  on(path: string): ReceivedHook[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

export const TRACE_TEMPLATE = 'http://jaeger.test:16686/trace/{{traceId}}';

/** One notifier test file's world: topics (prefix), tenant, operator token, the process and a producer of alert/geofence events. */
export class NotifierFixture {
  readonly secret = randomBytes(24).toString('hex');
  readonly topicPrefix = `ntf-${randomUUID().slice(0, 6)}.`;
  readonly tenant = `t-${randomUUID().slice(0, 8)}`;
  token = '';
  notifier!: ServiceProcess;
  private producer?: EventProducer;

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  get env(): Record<string, string> {
    return {
      GEOPULSE_JWT_SECRET: this.secret,
      KAFKA_TOPIC_PREFIX: this.topicPrefix,
      KAFKA_PARTITIONS: '3',
      LOG_LEVEL: 'warn',
      SMTP_FROM: 'geopulse@notifier.test',
      NOTIFIER_WEBHOOK_ALLOW: '127.0.0.1',
      NOTIFIER_TRACE_URL_TEMPLATE: TRACE_TEMPLATE,
      NOTIFIER_POLL_INTERVAL_MS: '50',
      // Every batch reads the subscriptions: a subscription created just before an event always sees it.
      NOTIFIER_SUBSCRIPTION_CACHE_MS: '0',
      SMTP_TIMEOUT_MS: '2000',
      ...this.extraEnv,
    };
  }

  async start(): Promise<void> {
    this.token = await signDevelopmentToken(this.secret, { sub: 'notifier-it', tenant: this.tenant });
    this.notifier = await ServiceProcess.start({ name: 'notifier', env: this.env, startTimeoutMs: 60_000 });
    await this.ready();
    const settings = kafkaSettings({ ...(process.env as Record<string, string>), KAFKA_TOPIC_PREFIX: this.topicPrefix, KAFKA_PARTITIONS: '3' });
    const logger = new JsonLogger('notifier-it', 'error');
    this.producer = new EventProducer(createKafkaClient(settings, 'notifier-it', logger.child('kafka')), settings, logger.child('producer'), 30_000);
  }

  async ready(): Promise<void> {
    await waitFor(async () => (await fetch(`${this.notifier.baseUrl}/readyz`)).ok || undefined, { timeoutMs: 60_000, intervalMs: 200, description: 'notifier ready' });
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    if (this.notifier?.isRunning) await this.notifier.stop();
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: object): Promise<Answer<T>> {
    const response = await fetch(`${this.notifier.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  async subscribe(body: object): Promise<string> {
    const res = await this.call('POST', '/v1/subscriptions', body);
    if (res.status !== 201) throw new Error(`subscribe: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  /** Publishes alert transitions as the rules service does; returns their CloudEvent ids. With `traceparent`, the record continues that trace. */
  async alert(deviceId: string, fields: Partial<AlertEventData> = {}, eventId?: string, traceparent?: string): Promise<string> {
    const data: AlertEventData = {
      tenantId: this.tenant, alertId: randomUUID(), ruleId: 'hot-office', ruleName: 'Hot office', ruleVersion: 1, deviceId, status: 'START', severity: 'CRITICAL',
      at: new Date().toISOString(), reason: 'temperature > 30 for PT0S', traceId: randomBytes(16).toString('hex'),
      triggeringReadings: [{ id: randomUUID(), ts: new Date().toISOString(), metrics: { temperature: 31.5 } }],
      ...fields,
    };
    const id = eventId ?? alertEventId(data.alertId, data.status, data.at);
    const event: CloudEvent<AlertEventData> = { specversion: '1.0', id, source: eventSource('rules'), type: EVENT_TYPES.alert, time: data.at, subject: deviceId, datacontenttype: 'application/json', data };
    const key = deviceRecordKey(this.tenant, deviceId);
    if (traceparent) {
      const record = encodeCloudEvent(event, key);
      await this.producer!.publishRaw(this.producer!.topic('alerts'), [{ ...record, headers: { ...record.headers, traceparent } }]);
    } else {
      await this.producer!.publish('alerts', [{ key, event }]);
    }
    return id;
  }

  async geofence(deviceId: string, fields: Partial<GeofenceTransitionData> = {}): Promise<string> {
    const at = new Date().toISOString();
    const data: GeofenceTransitionData = {
      tenantId: this.tenant, deviceId, geofenceId: 'depot-1', geofenceName: 'Depot', transition: 'ENTER', reason: 'position', at,
      position: { lat: 52.37, lon: 4.89 }, visitStartedAt: at, ...fields,
    };
    return this.geoEvent(deviceId, EVENT_TYPES.geofenceTransition, data);
  }

  /** A `geofence.forecast` as geo publishes it: predicted to enter `ulez` in 60 s. */
  async forecast(deviceId: string): Promise<string> {
    const at = new Date().toISOString();
    const data: GeofenceForecastData = {
      tenantId: this.tenant, deviceId, geofenceId: 'ulez', geofenceName: 'ULEZ', transition: 'ENTER', at, predictedAt: new Date(Date.parse(at) + 60_000).toISOString(),
      etaSeconds: 60, distanceMeters: 667.2, speedMps: 11.12, headingDegrees: 90, position: { lat: 51.5, lon: -0.2 }, predictedPosition: { lat: 51.5, lon: -0.19 },
    };
    return this.geoEvent(deviceId, EVENT_TYPES.geofenceForecast, data);
  }

  private async geoEvent(deviceId: string, type: string, data: GeofenceTransitionData | GeofenceForecastData): Promise<string> {
    const id = randomUUID();
    await this.producer!.publish('geofenceEvents', [
      { key: deviceRecordKey(this.tenant, deviceId), event: { specversion: '1.0', id, source: eventSource('geo'), type, time: data.at, subject: deviceId, datacontenttype: 'application/json', data } },
    ]);
    return id;
  }

  async notifications(query: string): Promise<Array<Record<string, unknown>>> {
    const res = await this.call<{ items: Array<Record<string, unknown>> }>('GET', `/v1/notifications?${query}`);
    if (res.status !== 200) throw new Error(`notifications: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.items;
  }

  async deadLetters(): Promise<TopicRecord[]> {
    return readTopic({ brokers: process.env.KAFKA_BROKERS!, topic: topicName('deadLetter', this.topicPrefix), timeoutMs: 15_000 });
  }
}

/** Asserts that nothing more arrives for a while (after the expected deliveries came). */
export async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
