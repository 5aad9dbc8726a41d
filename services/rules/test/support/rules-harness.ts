import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { signDevelopmentToken } from '@geopulse/auth';
import { kafkaSettings } from '@geopulse/config';
import { deviceRecordKey, EVENT_TYPES, eventSource, topicName, type AlertEventData, type TelemetryReading } from '@geopulse/contracts';
import { createKafkaClient, EventProducer } from '@geopulse/kafka';
import { JsonLogger } from '@geopulse/observability';
import { ServiceProcess, waitFor } from '@geopulse/testing';

const stack = () => process.env as Record<string, string>;

/** Test settings: a rule minute lasts 1 s (RULES_MINUTE_MS), timers tick every 200 ms. */
export const MINUTE_MS = 1000;

export interface RulesStack {
  prefix: string;
  secret: string;
  tenant: string;
  token: string;
}

export async function newRulesStack(name: string): Promise<RulesStack> {
  const secret = randomBytes(24).toString('hex');
  const tenant = `t-${randomUUID().slice(0, 8)}`;
  return { prefix: `rules-${name}-${randomUUID().slice(0, 6)}.`, secret, tenant, token: await signDevelopmentToken(secret, { sub: 'rules-it', tenant }) };
}

export async function startRules(s: RulesStack, extra: Record<string, string> = {}): Promise<ServiceProcess> {
  const service = await ServiceProcess.start({
    name: 'rules',
    env: {
      KAFKA_PARTITIONS: '3',
      KAFKA_TOPIC_PREFIX: s.prefix,
      DYNAMODB_TABLE_PREFIX: s.prefix,
      // A group of this suite's own: members of one group subscribed to different topics (a
      // previous suite's replica still leaving) get partitions assigned that they ignore.
      GEOPULSE_JWT_SECRET: s.secret,
      LOG_LEVEL: 'warn',
      RULES_MINUTE_MS: String(MINUTE_MS),
      RULES_TIMER_TICK_MS: '200',
      RULES_RECONCILE_MS: '2000',
      ...extra,
    },
  });
  await waitFor(async () => (await fetch(`${service.baseUrl}/readyz`)).ok, { timeoutMs: 60_000, description: 'rules ready' });
  return service;
}

export async function api(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Publishes readings to the telemetry topic as ingest does (CloudEvents keyed by device). */
export class ReadingWriter {
  private readonly producer: EventProducer;

  constructor(prefix: string) {
    const settings = kafkaSettings({ ...stack(), KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3' });
    const logger = new JsonLogger('rules-it', 'error');
    this.producer = new EventProducer(createKafkaClient(settings, 'rules-it', logger.child('kafka')), settings, logger.child('producer'), 30_000);
  }

  async write(tenantId: string, deviceId: string, tsMs: number, metrics: TelemetryReading['metrics']): Promise<TelemetryReading> {
    const [reading] = await this.writeMany([{ tenantId, deviceId, tsMs, metrics }]);
    return reading;
  }

  /** Many readings in one publish (the producer splits it under the request limit). */
  async writeMany(items: ReadonlyArray<{ tenantId: string; deviceId: string; tsMs: number; metrics: TelemetryReading['metrics'] }>): Promise<TelemetryReading[]> {
    const readings = items.map(({ tenantId, deviceId, tsMs, metrics }): TelemetryReading => ({ tenantId, deviceId, id: `${deviceId}-${tsMs}-${randomUUID().slice(0, 4)}`, ts: new Date(tsMs).toISOString(), receivedAt: new Date().toISOString(), metrics }));
    await this.producer.publish(
      'telemetry',
      readings.map((reading) => ({
        key: deviceRecordKey(reading.tenantId, reading.deviceId),
        event: { specversion: '1.0' as const, id: reading.id, source: eventSource('ingest'), type: EVENT_TYPES.reading, time: reading.ts, subject: reading.deviceId, datacontenttype: 'application/json' as const, data: reading },
      })),
    );
    return readings;
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

export interface SeenAlert {
  id: string;
  partition: number;
  receivedAt: number;
  data: AlertEventData;
}

/** Collects every record of the alerts topic while the tests run. */
export class AlertCollector {
  readonly alerts: SeenAlert[] = [];
  private consumer?: Consumer;

  constructor(private readonly prefix: string) {}

  async start(): Promise<void> {
    const kafka = new Kafka({ clientId: 'rules-it-alerts', brokers: stack().KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `rules-it-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    const topic = topicName('alerts', this.prefix);
    await waitFor(async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        return (await admin.listTopics()).includes(topic);
      } finally {
        await admin.disconnect();
      }
    }, { timeoutMs: 30_000, description: `${topic} exists` });
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (!message.value) return;
        this.alerts.push({ id: message.headers?.ce_id?.toString() ?? '', partition, receivedAt: Date.now(), data: JSON.parse(message.value.toString()) as AlertEventData });
      },
    });
  }

  of(filter: (a: AlertEventData) => boolean): SeenAlert[] {
    return this.alerts.filter((a) => filter(a.data));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** A suite's feed: readings written to the telemetry topic, alerts collected from the alerts topic. */
export interface AlertFeed {
  writer: ReadingWriter;
  collector: AlertCollector;
  close(): Promise<void>;
}

export async function openAlertFeed(prefix: string): Promise<AlertFeed> {
  const writer = new ReadingWriter(prefix);
  const collector = new AlertCollector(prefix);
  await collector.start();
  return {
    writer,
    collector,
    close: async () => {
      await collector.stop();
      await writer.close();
    },
  };
}
