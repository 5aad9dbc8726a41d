import { randomBytes, randomUUID } from 'node:crypto';
import { signDevelopmentToken } from '@geopulse/auth';
import { kafkaSettings } from '@geopulse/config';
import { EVENT_TYPES, deviceRecordKey, encodeCloudEvent, eventSource, topicName, type CloudEvent, type GeofenceTransitionData, type TelemetryReading } from '@geopulse/contracts';
import { createKafkaClient, EventProducer } from '@geopulse/kafka';
import { JsonLogger } from '@geopulse/observability';
import { readTopic, ServiceProcess, waitFor } from '@geopulse/testing';

/** What one test file shares: its topic prefix, table prefix and JWT secret. */
export class GeoWorld {
  readonly prefix = `geo-${randomUUID().slice(0, 6)}.`;
  readonly secret = randomBytes(24).toString('hex');
  private producer?: EventProducer;

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { GEOPULSE_JWT_SECRET: this.secret, KAFKA_TOPIC_PREFIX: this.prefix, DYNAMODB_TABLE_PREFIX: this.prefix, KAFKA_PARTITIONS: '3', LOG_LEVEL: 'warn', GEO_DWELL_SCAN_MS: '200', ...extra };
  }

  /** Starts a geo replica and waits until it has loaded fences and joined its groups. */
  async startGeo(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const geo = await ServiceProcess.start({ name: 'geo', env: this.env(extra) });
    await waitForReady(geo);
    return geo;
  }

  async tenant(): Promise<Operator> {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    return new Operator(tenant, await signDevelopmentToken(this.secret, { sub: 'geo-it', tenant }));
  }

  private get kafka(): EventProducer {
    if (!this.producer) {
      const settings = kafkaSettings({ ...(process.env as Record<string, string>), KAFKA_TOPIC_PREFIX: this.prefix, KAFKA_PARTITIONS: '3' });
      const logger = new JsonLogger('geo-it', 'error');
      this.producer = new EventProducer(createKafkaClient(settings, 'geo-it', logger.child('kafka')), settings, logger.child('producer'), 30_000);
    }
    return this.producer;
  }

  /** Writes readings to the telemetry topic as ingest would, in the order given. */
  async send(readings: readonly TelemetryReading[]): Promise<void> {
    await this.kafka.publish('telemetry', readings.map((r) => ({ key: deviceRecordKey(r.tenantId, r.deviceId), event: readingEvent(r) })));
  }

  /** Writes one reading carrying a W3C traceparent, as a traced ingest request would. */
  async sendTraced(reading: TelemetryReading, traceparent: string): Promise<void> {
    const record = encodeCloudEvent(readingEvent(reading), deviceRecordKey(reading.tenantId, reading.deviceId));
    await this.kafka.publishRaw(this.kafka.topic('telemetry'), [{ ...record, headers: { ...record.headers, traceparent } }]);
  }

  /** Every transition event of a tenant so far, in partition order (one device stays on one partition). */
  async transitions(tenantId: string): Promise<Array<GeofenceTransitionData & { id: string; traceparent?: string }>> {
    return (await this.geofenceEvents(tenantId)).filter((e) => e.type === EVENT_TYPES.geofenceTransition) as unknown as Array<GeofenceTransitionData & { id: string; traceparent?: string }>;
  }

  /** Every record of the geofence-events topic of a tenant (transitions and forecasts), with its `ce_type`. */
  async geofenceEvents(tenantId: string): Promise<Array<Record<string, unknown> & { id: string; type: string; traceparent?: string }>> {
    const records = await readTopic({ brokers: process.env.KAFKA_BROKERS!, topic: topicName('geofenceEvents', this.prefix), timeoutMs: 20_000 });
    return records
      .filter((r) => r.key?.startsWith(`${tenantId}:`) && r.value)
      .map((r) => ({ ...(JSON.parse(r.value!) as Record<string, unknown>), id: r.headers.ce_id, type: r.headers.ce_type, traceparent: r.headers.traceparent }));
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}

const readingEvent = (r: TelemetryReading): CloudEvent<TelemetryReading> => ({
  specversion: '1.0',
  id: r.id,
  source: eventSource('ingest'),
  type: EVENT_TYPES.reading,
  time: r.receivedAt,
  subject: r.deviceId,
  datacontenttype: 'application/json',
  data: r,
});

export async function waitForReady(geo: ServiceProcess): Promise<void> {
  try {
    await waitFor(async () => (await fetch(`${geo.baseUrl}/readyz`)).ok, { timeoutMs: 60_000, description: 'geo ready' });
  } catch (err) {
    const readiness = await fetch(`${geo.baseUrl}/readyz`).then((r) => r.text()).catch((e: Error) => e.message);
    throw new Error(`${(err as Error).message}\nreadyz: ${readiness}\n${geo.logTail(30)}`);
  }
}

export class Operator {
  constructor(
    readonly tenant: string,
    readonly token: string,
  ) {}

  async call<T = Record<string, unknown>>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  reading(deviceId: string, tsMs: number, lon: number, lat: number, accuracy?: number): TelemetryReading {
    return {
      tenantId: this.tenant,
      deviceId,
      id: `${deviceId}-${tsMs}`,
      ts: new Date(tsMs).toISOString(),
      receivedAt: new Date().toISOString(),
      position: accuracy === undefined ? { lat, lon } : { lat, lon, accuracy },
    };
  }
}

/** `ENTER:fence`, ... of one device, in order. */
export const sequence = (events: readonly GeofenceTransitionData[], deviceId: string) =>
  events.filter((e) => e.deviceId === deviceId).map((e) => `${e.transition}:${e.geofenceId}`);

/** Gaussian noise from a seeded linear congruential generator (Box-Muller), so a failing run repeats. */
export function gaussianNoise(seed: number): () => number {
  let state = BigInt(seed);
  const uniform = () => {
    state = (state * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return (Number(state >> 11n) + 1) / 2 ** 53;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}
