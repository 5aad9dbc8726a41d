import { consumerGroupName, topicName, type TopicKey } from '@geopulse/contracts';
import { ConsumerLag, type GroupLag } from './clients/consumer-lag';
import { ServiceProcess } from './service-process';
import { waitFor } from './wait-for';

/** The five services, in the order `npm run up` starts them. */
export const PIPELINE_SERVICES = ['ingest', 'aggregator', 'rules', 'geo', 'notifier'] as const;
export type PipelineService = (typeof PIPELINE_SERVICES)[number];
export type ConsumerService = Exclude<PipelineService, 'ingest'>;

/**
 * The consumer groups that carry the pipeline's work (not the per-replica broadcast groups of
 * rule and fence changes), with the topics each reads: what "every consumer group drains" means.
 */
export const PIPELINE_GROUPS: ReadonlyArray<{ service: ConsumerService; groupId: string; topics: TopicKey[] }> = [
  { service: 'aggregator', groupId: 'geopulse-aggregator', topics: ['telemetry'] },
  { service: 'rules', groupId: 'geopulse-rules', topics: ['telemetry', 'geofenceEvents'] },
  // The alerts table, kept from the alerts topic off the evaluation path (decision 0400).
  { service: 'rules', groupId: 'geopulse-rules-alert-log', topics: ['alerts'] },
  { service: 'geo', groupId: 'geopulse-geo', topics: ['telemetry'] },
  { service: 'notifier', groupId: 'geopulse-notifier', topics: ['alerts', 'geofenceEvents'] },
];

export interface StartPipelineOptions {
  /** On top of this process's environment (the stack's variables), for every service. */
  env: Record<string, string | undefined>;
  /** Per service, on top of `env` (e.g. a smaller KAFKA_MAX_REQUEST_BYTES for one of them). */
  serviceEnv?: Partial<Record<PipelineService, Record<string, string | undefined>>>;
  /** Fixed ports per service; default free ports. */
  ports?: Partial<Record<PipelineService, number>>;
  /** How long each may take to answer /readyz 200; default 120 s (a loaded machine). */
  readyTimeoutMs?: number;
}

/**
 * Starts the five services as real processes from their dist, as `npm run up` does (same
 * entry points, the stack's environment plus `env`), and waits until every one is ready.
 */
export async function startPipeline(options: StartPipelineOptions): Promise<Record<PipelineService, ServiceProcess>> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const started = await Promise.all(
    PIPELINE_SERVICES.map((name) =>
      ServiceProcess.start({
        name,
        env: { ...options.env, ...options.serviceEnv?.[name] },
        port: options.ports?.[name],
        startTimeoutMs: readyTimeoutMs,
      }),
    ),
  );
  const services = Object.fromEntries(started.map((s) => [s.name, s])) as Record<PipelineService, ServiceProcess>;
  await Promise.all(started.map((s) => waitReady(s, readyTimeoutMs)));
  return services;
}

/** Polls GET /readyz until 200 (topics exist, consumers joined, state loaded). */
export async function waitReady(service: ServiceProcess, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    async () => {
      if (!service.isRunning) throw new Error(`${service.name} exited: ${JSON.stringify(service.exit)}\n${service.logTail(30)}`);
      const response = await fetch(`${service.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      await response?.arrayBuffer();
      return response?.status === 200 || undefined;
    },
    { timeoutMs, intervalMs: 250, description: `${service.name} ready` },
  );
}

/**
 * Lag of every pipeline consumer group on its topics, in the environment of the given prefix
 * (topics and groups both carry it); `groupId` is the group's name in PIPELINE_GROUPS.
 */
export async function pipelineLag(lag: ConsumerLag, prefix: string): Promise<Array<GroupLag & { service: ConsumerService }>> {
  return Promise.all(
    PIPELINE_GROUPS.map(async (g) => ({
      service: g.service,
      ...(await lag.of(consumerGroupName(g.groupId, prefix), g.topics.map((t) => topicName(t, prefix)))),
      groupId: g.groupId,
    })),
  );
}

/**
 * Sum of a Prometheus metric's samples on GET <baseUrl>/metrics whose labels include `labels`;
 * `declared` when the service registers the metric at all (a gauge may have no sample yet).
 */
export async function scrapeMetric(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<{ value: number; samples: number[]; declared: boolean }> {
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const samples: number[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) samples.push(Number(match[3]));
  }
  return { value: samples.reduce((a, b) => a + b, 0), samples, declared: text.includes(`# TYPE ${name} `) };
}
