import * as http from 'node:http';
import { readBody, RequestTooLarge, sendJson } from './json-http';
import { OtlpPayloadError, spansFromOtlpJson } from './otlp-json';
import { readPortFlag } from './server-args';
import { SpanStore, type SpanQuery } from './span-store';

/**
 * A minimal OpenTelemetry collector for tests, one HTTP port:
 *   POST /v1/traces            OTLP/HTTP JSON -> 200 {} (protobuf -> 415)
 *   GET  /api/traces/<traceId> -> { spans: CollectedSpan[] } ordered by start time ([] if unknown)
 *   GET  /api/spans?service=&name=&traceId=&limit= -> { spans }
 *   DELETE /api/spans          -> 204
 *   GET  /healthz              -> 200
 * Run as: node otlp-collector.js --port P
 */
export interface OtlpCollector {
  port: number;
  store: SpanStore;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

async function receiveTraces(request: http.IncomingMessage, response: http.ServerResponse, store: SpanStore): Promise<void> {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/json') {
    // Drain so the client sees the answer instead of a reset connection.
    request.resume();
    sendJson(response, 415, {
      error:
        `unsupported content type "${contentType || 'none'}": this test collector accepts only OTLP/HTTP JSON ` +
        '(application/json, as @opentelemetry/exporter-trace-otlp-http sends); protobuf is not supported',
    });
    return;
  }
  let payload: unknown;
  try {
    payload = JSON.parse((await readBody(request, MAX_BODY_BYTES)).toString('utf8'));
  } catch (error) {
    if (error instanceof RequestTooLarge) return sendJson(response, 413, { error: error.message });
    return sendJson(response, 400, { error: `invalid JSON: ${(error as Error).message}` });
  }
  try {
    store.add(spansFromOtlpJson(payload));
  } catch (error) {
    if (error instanceof OtlpPayloadError) return sendJson(response, 400, { error: error.message });
    throw error;
  }
  sendJson(response, 200, {});
}

function spanQuery(params: URLSearchParams): SpanQuery {
  const limit = params.get('limit');
  return {
    service: params.get('service') ?? undefined,
    name: params.get('name') ?? undefined,
    traceId: params.get('traceId') ?? undefined,
    limit: limit !== null && Number.isInteger(Number(limit)) ? Number(limit) : undefined,
  };
}

export async function startOtlpCollector(options: { port: number; host?: string; capacity?: number }): Promise<OtlpCollector> {
  const store = new SpanStore(options.capacity);
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://collector');
    const route = `${request.method} ${url.pathname}`;
    const handle = async (): Promise<void> => {
      if (route === 'POST /v1/traces') return receiveTraces(request, response, store);
      if (route === 'GET /healthz') return sendJson(response, 200, { status: 'ok', spans: store.size });
      if (request.method === 'GET' && url.pathname.startsWith('/api/traces/')) {
        const traceId = decodeURIComponent(url.pathname.slice('/api/traces/'.length));
        return sendJson(response, 200, { spans: store.trace(traceId) });
      }
      if (route === 'GET /api/spans') return sendJson(response, 200, { spans: store.query(spanQuery(url.searchParams)) });
      if (route === 'DELETE /api/spans') {
        store.clear();
        response.writeHead(204).end();
        return;
      }
      request.resume();
      sendJson(response, 404, { error: `no route ${route}` });
    };
    handle().catch((error: unknown) => {
      process.stderr.write(`otlp collector: ${route} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: options.port,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const collector = await startOtlpCollector({ port: readPortFlag(process.argv.slice(2), 'port') });
  process.stdout.write(`otlp collector: OTLP/HTTP JSON and query API on 127.0.0.1:${collector.port}\n`);
  const shutdown = () => void collector.close().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`otlp collector failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
