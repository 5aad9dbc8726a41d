import { randomBytes, randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { signDevelopmentToken } from '@geopulse/auth';
import { topicName, type TopicKey } from '@geopulse/contracts';
import { readTopic, ServiceProcess, waitFor, type TopicRecord } from '@geopulse/testing';

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One ingest test file's world: its own topics (prefix), tenant, operator token and ingest processes. */
export class IngestFixture {
  readonly secret = randomBytes(24).toString('hex');
  readonly topicPrefix = `it-${randomUUID().slice(0, 8)}-`;
  readonly tenant = `t-${randomUUID().slice(0, 8)}`;
  readonly replicas: ServiceProcess[] = [];
  token = '';

  constructor(private readonly env: Record<string, string | undefined> = {}) {}

  get ingest(): ServiceProcess {
    return this.replicas[0];
  }

  /** Starts `count` ingest replicas sharing topics, tables, Redis and (when set) MQTT. */
  async start(count = 1): Promise<void> {
    this.token = await this.operatorToken(this.tenant);
    const env = {
      GEOPULSE_JWT_SECRET: this.secret,
      KAFKA_TOPIC_PREFIX: this.topicPrefix,
      KAFKA_PARTITIONS: '3',
      LOG_LEVEL: 'warn',
      MQTT_URL: undefined,
      ...this.env,
    };
    for (let i = 0; i < count; i++) {
      // With the bridge on, the first replica answers the broker's auth plugin on the port it asks (MQTT_AUTH_PORT).
      const port = env.MQTT_URL && i === 0 ? Number(env.MQTT_AUTH_PORT ?? process.env.MQTT_AUTH_PORT) : undefined;
      this.replicas.push(await ServiceProcess.start({ name: 'ingest', env, port, startTimeoutMs: 60_000 }));
    }
    for (const replica of this.replicas) await waitReady(replica);
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => (r.isRunning ? r.stop() : undefined)));
  }

  operatorToken(tenant: string): Promise<string> {
    return signDevelopmentToken(this.secret, { sub: 'ingest-it', tenant });
  }

  topic(key: TopicKey): string {
    return topicName(key, this.topicPrefix);
  }

  async records(key: TopicKey, minRecords = 0): Promise<TopicRecord[]> {
    return readTopic({ brokers: process.env.KAFKA_BROKERS!, topic: this.topic(key), minRecords, timeoutMs: 30_000 });
  }

  async call(method: string, path: string, options: { token?: string; body?: string | object; contentType?: string; replica?: number } = {}): Promise<Answer> {
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = {};
    if (options.token !== '') headers.authorization = `Bearer ${options.token ?? this.token}`;
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${this.replicas[options.replica ?? 0].baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Registers a device; returns its id and key. */
  async device(deviceId = `dev-${randomUUID().slice(0, 8)}`, fields: object = {}): Promise<{ deviceId: string; key: string; keyId: string }> {
    const res = await this.call('POST', '/v1/devices', { body: { deviceId, ...fields } });
    if (res.status !== 201) throw new Error(`creating ${deviceId}: ${res.status} ${JSON.stringify(res.body)}`);
    const key = res.body.key as { key: string; keyId: string };
    return { deviceId, key: key.key, keyId: key.keyId };
  }

  send(readings: unknown, token?: string, replica = 0): Promise<Answer> {
    return this.call('POST', '/v1/telemetry', { body: readings as object, token, replica });
  }
}

/** An MQTT 5 client of a device: username `<tenant>:<deviceId>`, password its key. */
export function connectDevice(tenant: string, deviceId: string, key: string, options: IClientOptions & { url?: string } = {}): Promise<MqttClient> {
  return mqtt.connectAsync(options.url ?? process.env.MQTT_URL!, {
    protocolVersion: 5,
    clientId: `it-${deviceId}-${randomUUID().slice(0, 8)}`,
    username: `${tenant}:${deviceId}`,
    password: key,
    reconnectPeriod: 0,
    ...options,
  });
}

/** How the broker answers an MQTT connection attempt: 'connected' or the CONNACK reason code. */
export async function connectOutcome(options: IClientOptions): Promise<'connected' | number | undefined> {
  try {
    const client = await mqtt.connectAsync(process.env.MQTT_URL!, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 10_000, ...options });
    await client.endAsync(true);
    return 'connected';
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

export function waitReady(service: ServiceProcess, timeoutMs = 60_000): Promise<boolean> {
  return waitFor(async () => (await fetch(`${service.baseUrl}/readyz`)).ok || undefined, { timeoutMs, intervalMs: 200, description: `${service.name} on ${service.port} ready` });
}

export const reading = (fields: Record<string, unknown> = {}) => ({ ts: new Date().toISOString(), metrics: { temperature: 21.5 }, ...fields });
