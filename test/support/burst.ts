import { randomUUID } from 'node:crypto';
import { topicName } from '@geopulse/contracts';
import { ConsumerLag, pipelineLag, scrapeMetric, TopicTail, waitFor, type PipelineService, type ServiceProcess, type TopicRecord } from '@geopulse/testing';
import { post } from './platform';

/**
 * A burst in which every reading causes a transition, and what it must produce, computed from
 * the input alone. D devices send K readings each, round by round (round k of every device is
 * acknowledged before round k+1 is posted). In round k a device is at the centre of fence
 * `yard` (k even) or 5 km north of it (k odd), with temperature 60 (k even) or 40 (k odd), so
 * under the one rule `temperature > 50` and the one fence every reading flips both:
 * - alerts: round k even STARTs episode k/2 + 1, round k odd STOPs episode (k + 1)/2;
 * - geofence events: round k even is an ENTER (visit started at that reading), k odd the EXIT;
 * - aggregates: round k is alone in window [base + kW, base + (k+1)W); the device's round k+1
 *   passes its end, so windows of rounds 0..K-2 close with revision 0 (the last round's windows
 *   close when the device has been idle; a window closed by idleness first has the same content).
 */
export const RULE = { id: 'hot', name: 'Hot', expression: 'temperature > 50' };
export const CENTER = { lat: 52.3731, lon: 4.8926 };
export const FENCE = { id: 'yard', name: 'Yard', geometry: { type: 'Circle', center: [CENTER.lon, CENTER.lat], radiusMeters: 1000 } };
export const WINDOW_SECONDS = 10;
const W = WINDOW_SECONDS * 1000;

export interface BurstShape {
  devices: number;
  rounds: number;
  /** Readings per HTTP request. */
  batch: number;
  /** Requests in flight. */
  concurrency: number;
}

/** 2,000 devices x 10 rounds = 20,000 readings; E2E_BURST_DEVICES makes it smaller for trying things out. */
export const BURST: BurstShape = { devices: Number(process.env.E2E_BURST_DEVICES ?? 2000), rounds: 10, batch: 500, concurrency: 4 };

export interface Reading {
  deviceId: string;
  id: string;
  ts: string;
  position?: { lat: number; lon: number };
  metrics: Record<string, number | string | boolean>;
}

export class Burst {
  readonly base: number;

  constructor(
    readonly tenant: string,
    readonly shape: BurstShape,
    agoMs: number,
  ) {
    // Window-aligned; every event time of the burst lies in the past.
    this.base = Math.floor((Date.now() - agoMs) / W) * W;
  }

  deviceId(d: number): string {
    return `d-${d}`;
  }

  ts(d: number, k: number): number {
    return this.base + k * W + d; // d < W: the whole round stays in window k
  }

  reading(d: number, k: number): Reading {
    const inside = k % 2 === 0;
    return {
      deviceId: this.deviceId(d),
      id: `${this.tenant}-${d}-${k}`,
      ts: new Date(this.ts(d, k)).toISOString(),
      position: inside ? CENTER : { lat: CENTER.lat + 0.045, lon: CENTER.lon },
      metrics: { temperature: inside ? 60 : 40 },
    };
  }

  round(k: number): Reading[] {
    return Array.from({ length: this.shape.devices }, (_, d) => this.reading(d, k));
  }

  get total(): number {
    return this.shape.devices * this.shape.rounds;
  }

  /** CloudEvent ids of the alert transitions (decision 0400: `<tenant>:<rule>:<device>:<episode>:<START|STOP>`). */
  expectedAlertIds(): Set<string> {
    const ids = new Set<string>();
    for (let d = 0; d < this.shape.devices; d++) {
      for (let k = 0; k < this.shape.rounds; k++) {
        const episode = Math.floor(k / 2) + 1;
        ids.add(`${this.tenant}:${RULE.id}:${this.deviceId(d)}:${episode}:${k % 2 === 0 ? 'START' : 'STOP'}`);
      }
    }
    return ids;
  }

  /** (device, fence, visit start, transition): the identity of a geofence transition (decision 0300). */
  expectedTransitions(): Set<string> {
    const keys = new Set<string>();
    for (let d = 0; d < this.shape.devices; d++) {
      for (let k = 0; k < this.shape.rounds; k++) {
        const visitStart = new Date(this.ts(d, k - (k % 2))).toISOString();
        keys.add(transitionKey(this.deviceId(d), FENCE.id, visitStart, k % 2 === 0 ? 'ENTER' : 'EXIT'));
      }
    }
    return keys;
  }

  /** Aggregate ids (decision 0201: `<tenant>:<device>:<windowStart>:<revision>`) of the windows that must close. */
  expectedWindowIds(): Set<string> {
    const ids = new Set<string>();
    for (let d = 0; d < this.shape.devices; d++) {
      for (let k = 0; k < this.shape.rounds - 1; k++) ids.add(`${this.tenant}:${this.deviceId(d)}:${this.base + k * W}:0`);
    }
    return ids;
  }

  /** Posts every round through ingest (round by round, `concurrency` requests in flight); a 503 is retried. */
  async send(ingestUrl: string, token: string, extra: { round: number; readings: Reading[] } = { round: -1, readings: [] }): Promise<void> {
    for (let k = 0; k < this.shape.rounds; k++) {
      const readings = this.round(k);
      if (k === extra.round) readings.splice(readings.length / 2, 0, ...extra.readings);
      await postAll(ingestUrl, token, readings, this.shape.batch, this.shape.concurrency);
    }
  }
}

export const transitionKey = (deviceId: string, fenceId: string, visitStartedAt: string, transition: string) => `${deviceId}|${fenceId}|${visitStartedAt}|${transition}`;

export async function postAll(ingestUrl: string, token: string, readings: Reading[], batch: number, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < readings.length) {
        const chunk = readings.slice(next, next + batch);
        next += batch;
        await waitFor(
          async () => {
            const res = await post(`${ingestUrl}/v1/telemetry`, token, JSON.stringify({ readings: chunk }));
            if (res.status === 202) return true;
            if (res.status === 503 || res.status === 429) return undefined; // not accepted: send again
            throw new Error(`ingest answered ${res.status}: ${JSON.stringify(res.body)}`);
          },
          { timeoutMs: 120_000, intervalMs: 500, description: `a batch of ${chunk.length} readings accepted by ingest` },
        );
      }
    }),
  );
}

/** Parsed CloudEvent data of a record (the structured JSON value our producers write). */
export function dataOf<T>(record: TopicRecord): T {
  return JSON.parse(record.value ?? 'null') as T;
}

/** Every record of the burst's output topics, followed from the beginning while the tests run. */
export async function followOutputs(brokers: string, prefix: string): Promise<TopicTail> {
  return TopicTail.start({
    brokers,
    topics: [topicName('alerts', prefix), topicName('geofenceEvents', prefix), topicName('aggregates', prefix), topicName('deadLetter', prefix)],
  });
}

export function recordsOf(tail: TopicTail, prefix: string, topic: 'alerts' | 'geofenceEvents' | 'aggregates' | 'deadLetter', tenant: string): TopicRecord[] {
  const name = topicName(topic, prefix);
  return tail.records.filter((r) => r.topic === name && r.key?.startsWith(`${tenant}:`));
}

/** Waits until every pipeline consumer group has committed up to the end of its topics. */
export async function waitDrained(brokers: string, prefix: string, timeoutMs: number): Promise<void> {
  const lag = new ConsumerLag(brokers);
  const started = Date.now();
  let reported = started;
  try {
    let last = '';
    await waitFor(
      async () => {
        const groups = await pipelineLag(lag, prefix);
        last = groups.map((g) => `${g.groupId} ${g.total}`).join(', ');
        if (Date.now() - reported >= 15_000) {
          reported = Date.now();
          process.stdout.write(`lag after ${Math.round((reported - started) / 1000)} s: ${last}\n`);
        }
        return groups.every((g) => g.total === 0n && g.partitions.length > 0) || undefined;
      },
      { timeoutMs, intervalMs: 1000, description: 'every consumer group drained' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; lag when it gave up: ${last}`);
    });
  } finally {
    await lag.close();
  }
}

export const STALL_METRIC = 'geopulse_kafka_partition_stalled';

/**
 * Samples `geopulse_kafka_partition_stalled` of the running services every second while a test
 * runs: the highest value seen per service (0 when no partition ever stalled), and which
 * services declare the metric at all.
 */
export class StallWatch {
  readonly highest = new Map<string, number>();
  readonly exposing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(private readonly services: () => Record<PipelineService, ServiceProcess>) {}

  start(): this {
    this.timer = setInterval(() => void this.sample(), 1000);
    return this;
  }

  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      await Promise.all(
        Object.values(this.services()).map(async (service) => {
          if (!service.isRunning) return;
          const metric = await scrapeMetric(service.baseUrl, STALL_METRIC).catch(() => undefined);
          if (!metric?.declared) return;
          this.exposing.add(service.name);
          // The gauge has a sample per partition only once one stalled (1) and recovered (0).
          this.highest.set(service.name, Math.max(this.highest.get(service.name) ?? 0, ...metric.samples));
        }),
      );
    } finally {
      this.sampling = false;
    }
  }

  /** Forgets what was seen (each test asserts its own run). */
  reset(): void {
    this.highest.clear();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sample();
  }
}

export const newPrefix = (name: string) => `e2e-${name}-${randomUUID().slice(0, 6)}.`;
