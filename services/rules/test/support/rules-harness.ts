import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { signDevelopmentToken } from '@geopulse/auth';
import { kafkaSettings } from '@geopulse/config';
import { consumerGroupName, deviceRecordKey, EVENT_TYPES, eventSource, topicName, type AlertEventData, type TelemetryReading } from '@geopulse/contracts';
import { createKafkaClient, EventProducer } from '@geopulse/kafka';
import { JsonLogger } from '@geopulse/observability';
import { ConsumerLag, scrapeMetric, ServiceProcess, waitFor } from '@geopulse/testing';

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
  /** Per partition, the offset after the last record collected. */
  private readonly next = new Map<number, bigint>();

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
        this.next.set(partition, BigInt(message.offset) + 1n);
        if (!message.value) return;
        this.alerts.push({ id: message.headers?.ce_id?.toString() ?? '', partition, receivedAt: Date.now(), data: JSON.parse(message.value.toString()) as AlertEventData });
      },
    });
  }

  /** True once every record on the alerts topic at `ends` (partition -> high watermark) has been collected. */
  hasReached(ends: ReadonlyArray<{ partition: number; high: string }>): boolean {
    return ends.every((e) => BigInt(e.high) === 0n || (this.next.get(e.partition) ?? 0n) >= BigInt(e.high));
  }

  of(filter: (a: AlertEventData) => boolean): SeenAlert[] {
    return this.alerts.filter((a) => filter(a.data));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/**
 * Waits until the rules service has evaluated everything written so far (its group has no lag on
 * telemetry and geofence events) and the collector holds every alert it published: after that,
 * a transition that is missing, or one too many, is a finding, not a slow machine.
 */
export async function settled(prefix: string, collector: AlertCollector, timeoutMs = 30_000): Promise<void> {
  const lag = new ConsumerLag(stack().KAFKA_BROKERS);
  const kafka = new Kafka({ clientId: 'rules-it-settled', brokers: stack().KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        const rules = await lag.of(consumerGroupName('geopulse-rules', prefix), [topicName('telemetry', prefix), topicName('geofenceEvents', prefix)]);
        if (rules.total !== 0n) return undefined;
        return collector.hasReached(await admin.fetchTopicOffsets(topicName('alerts', prefix))) || undefined;
      },
      { timeoutMs, intervalMs: 100, description: 'rules evaluated every reading and every alert was collected' },
    );
  } finally {
    await admin.disconnect();
    await lag.close();
  }
}

/** Rules held by a replica (its `geopulse_rules_loaded` gauge, current at every change). */
export async function rulesHeld(service: ServiceProcess): Promise<number> {
  return (await scrapeMetric(service.baseUrl, 'geopulse_rules_loaded')).value;
}

/**
 * Creates rules through `via` and waits until every replica holds them (the one that answered at
 * once, the others from the rules topic): readings written afterwards meet the new rules everywhere.
 */
export async function createRules(s: RulesStack, via: ServiceProcess, replicas: readonly ServiceProcess[], ...bodies: Array<Record<string, unknown>>): Promise<Array<Record<string, unknown>>> {
  const before = await Promise.all(replicas.map(rulesHeld));
  const created: Array<Record<string, unknown>> = [];
  for (const body of bodies) {
    const res = await api('POST', `${via.baseUrl}/v1/rules`, s.token, body);
    if (res.status !== 201) throw new Error(`POST /v1/rules answered ${res.status}: ${JSON.stringify(res.body)}`);
    created.push(res.body);
  }
  await waitFor(async () => (await Promise.all(replicas.map(rulesHeld))).every((n, i) => n >= before[i] + bodies.length) || undefined, {
    timeoutMs: 10_000,
    intervalMs: 50,
    description: 'every replica holds the new rules',
  });
  return created;
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
