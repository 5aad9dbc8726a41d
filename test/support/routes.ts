// The route table of the five services, read from each service's own OpenAPI document, so a
// suite that walks it (hostile input, the authorization matrix) covers a new route without
// naming it.
import type { PipelineService, ServiceProcess } from '@geopulse/testing';

export const SERVICES = ['ingest', 'aggregator', 'rules', 'geo', 'notifier'] as const;

export interface Operation {
  service: PipelineService;
  /** The action a caller needs (`x-geopulse-action`); undefined for open routes (health, docs). */
  action?: string;
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  hasBody: boolean;
}

export interface Outcome {
  service: PipelineService;
  request: string;
  status: number;
  body: string;
}

export interface RouteRequest {
  url: string;
  body?: string | Buffer;
}

export async function operationsOf(services: Record<PipelineService, ServiceProcess>, service: PipelineService): Promise<Operation[]> {
  const doc = (await (await fetch(`${services[service].baseUrl}/docs-json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown; 'x-geopulse-action'?: string }>>;
  };
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      out.push({
        service,
        ...(op['x-geopulse-action'] ? { action: op['x-geopulse-action'] } : {}),
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: op.requestBody !== undefined || ['POST', 'PUT', 'PATCH'].includes(method.toUpperCase()),
      });
    }
  }
  return out;
}

/** Every operation of the five services. */
export async function allOperations(services: Record<PipelineService, ServiceProcess>): Promise<Operation[]> {
  return (await Promise.all(SERVICES.map((s) => operationsOf(services, s)))).flat();
}

/** A path with every `{param}` replaced, hostile ones URL-encoded as a client would send them. */
export function fill(op: Operation, value: (name: string) => string): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(value(name)));
}

export async function send(
  services: Record<PipelineService, ServiceProcess>,
  op: Operation,
  request: RouteRequest,
  credential: string,
): Promise<Outcome> {
  const response = await fetch(`${services[op.service].baseUrl}${request.url}`, {
    method: op.method,
    headers: { ...(credential ? { authorization: credential } : {}), ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(request.body !== undefined ? { body: request.body } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  // A stream that was accepted (GET /v1/stream) never ends by itself: its status is the answer.
  const streaming = response.ok && (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  const body = streaming ? (await response.body?.cancel(), '') : await response.text();
  const shown = typeof request.body === 'string' ? request.body.slice(0, 80) : request.body ? '<bytes>' : '';
  return { service: op.service, request: `${op.method} ${request.url.slice(0, 120)} ${shown}`, status: response.status, body };
}

/** Runs `work` over items with at most `limit` at a time. */
export async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]);
      }
    }),
  );
  return out;
}
