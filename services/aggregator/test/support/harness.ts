import { randomBytes, randomUUID } from 'node:crypto';
import { signDevelopmentToken } from '@geopulse/auth';
import { kafkaSettings } from '@geopulse/config';
import { EVENT_TYPES, consumerGroupName, deviceRecordKey, eventSource, topicName, type TelemetryAggregate, type TelemetryReading } from '@geopulse/contracts';
import { createKafkaClient, EventProducer } from '@geopulse/kafka';
import { JsonLogger } from '@geopulse/observability';
import { ConsumerLag, readTopic, ServiceProcess, waitFor } from '@geopulse/testing';

export const stackEnv = () => process.env as Record<string, string>;

/** A fresh topic prefix per test file: its own, empty topics. */
export const newTopicPrefix = (name: string) => `agg-${name}-${randomUUID().slice(0, 6)}.`;

export const newJwtSecret = () => randomBytes(24).toString('hex');

export async function operatorFor(secret: string): Promise<{ tenant: string; token: string }> {
  const tenant = `t-${randomUUID().slice(0, 8)}`;
  return { tenant, token: await signDevelopmentToken(secret, { sub: 'aggregator-it', tenant }) };
}

/** Starts one aggregator process and waits until its consumer has joined (ready). */
export async function startAggregator(env: Record<string, string>): Promise<ServiceProcess> {
  const service = await ServiceProcess.start({ name: 'aggregator', env: { KAFKA_PARTITIONS: '3', LOG_LEVEL: 'warn', ...env } });
  await waitFor(async () => (await fetch(`${service.baseUrl}/readyz`)).ok, { timeoutMs: 60_000, description: 'aggregator ready' });
  return service;
}

/** Waits until the aggregator's live group has committed every record on the prefixed telemetry topic (processed them all). */
export async function liveGroupDrained(topicPrefix: string, timeoutMs = 60_000): Promise<void> {
  const lag = new ConsumerLag(stackEnv().KAFKA_BROKERS);
  try {
    await waitFor(async () => (await lag.of(consumerGroupName('geopulse-aggregator', topicPrefix), [topicName('telemetry', topicPrefix)])).total === 0n || undefined, {
      timeoutMs,
      intervalMs: 250,
      description: 'live consumer group drained',
    });
  } finally {
    await lag.close();
  }
}

/** Writes readings to the telemetry topic as ingest would (CloudEvents, device key). */
export class TelemetryFeed {
  private readonly producer: EventProducer;

  constructor(topicPrefix: string) {
    const settings = kafkaSettings({ ...stackEnv(), KAFKA_TOPIC_PREFIX: topicPrefix, KAFKA_PARTITIONS: '3' });
    const logger = new JsonLogger('aggregator-it', 'error');
    this.producer = new EventProducer(createKafkaClient(settings, 'aggregator-it', logger.child('kafka')), settings, logger.child('producer'), 30_000);
  }

  /** In order, in chunks (each chunk one produce request). */
  async send(readings: readonly TelemetryReading[], chunk = 500): Promise<void> {
    for (let i = 0; i < readings.length; i += chunk) {
      await this.producer.publish(
        'telemetry',
        readings.slice(i, i + chunk).map((r) => ({
          key: deviceRecordKey(r.tenantId, r.deviceId),
          event: { specversion: '1.0' as const, id: r.id, source: eventSource('ingest'), type: EVENT_TYPES.reading, time: r.receivedAt, subject: r.deviceId, datacontenttype: 'application/json' as const, data: r },
        })),
      );
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

export function reading(tenantId: string, deviceId: string, tsMs: number, extra: Partial<TelemetryReading> = {}): TelemetryReading {
  return { tenantId, deviceId, id: `${deviceId}-${tsMs}-${randomUUID().slice(0, 6)}`, ts: new Date(tsMs).toISOString(), receivedAt: new Date().toISOString(), metrics: { n: 1 }, ...extra };
}

export async function getJson<T = Record<string, unknown>>(url: string, token: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as T };
}

/** Deterministic pseudo-random numbers, so a failing run can be repeated. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Sum of a Prometheus counter's samples whose labels include `labels`. */
export async function metricValue(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) total += Number(match[3]);
  }
  return total;
}

export interface AggregateRecord {
  id: string;
  traceparent?: string;
  data: TelemetryAggregate;
}

/** The aggregates of one tenant on the prefixed aggregates topic, in topic order. */
export async function aggregatesOf(prefix: string, tenantId: string, minRecords = 0): Promise<AggregateRecord[]> {
  const records = await readTopic({ brokers: stackEnv().KAFKA_BROKERS, topic: topicName('aggregates', prefix), timeoutMs: 30_000 });
  const mine = records
    .filter((r) => r.key?.startsWith(`${tenantId}:`) && r.value)
    .map((r) => ({ id: r.headers.ce_id, traceparent: r.headers.traceparent, data: JSON.parse(r.value!) as TelemetryAggregate }));
  if (mine.length < minRecords) throw new Error(`${mine.length} of at least ${minRecords} aggregates so far`);
  return mine;
}

/** The newest revision of every window, by `<deviceId>|<windowStart>`. */
export function latestRevisions(records: readonly AggregateRecord[]): Map<string, TelemetryAggregate> {
  const out = new Map<string, TelemetryAggregate>();
  for (const { data } of records) {
    const key = `${data.deviceId}|${data.windowStart}`;
    const current = out.get(key);
    if (!current || data.revision > current.revision) out.set(key, data);
  }
  return out;
}
