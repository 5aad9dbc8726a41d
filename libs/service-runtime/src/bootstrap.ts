import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { describeRequiredActions } from '@geopulse/auth';
import { EventProducer } from '@geopulse/kafka';
import { collectProcessMetrics, JsonLogger, shutdownTracing } from '@geopulse/observability';
import { httpMetrics } from './http-metrics';
import { ApiExceptionFilter } from './api-exception.filter';
import { KafkaBatchTransport, KafkaConsumers } from './kafka-batch.transport';
import { KAFKA, KAFKA_SETTINGS } from './platform.providers';

export interface ServiceOptions {
  /** Short name: ingest, aggregator, rules, geo, notifier. */
  service: string;
  module: unknown;
  port: number;
  logger: JsonLogger;
  description: string;
  /** Paths whose body is read raw (Buffer) instead of parsed as JSON, with their limit. */
  rawBodyPaths?: string[];
  rawBodyLimitBytes?: number;
  jsonLimitBytes?: number;
  shutdownTimeoutMs?: number;
  /** Listen address; loopback-only deployments can narrow it. */
  host?: string;
  /** Browser origins allowed by CORS (`GEOPULSE_CORS_ORIGINS`); `*` for any; empty: no CORS headers. */
  corsOrigins?: string;
  /** A folder of static files served at `/` (the notifier's live map). */
  staticRoot?: string;
}

/**
 * The same outside for every service: JSON logs, Prometheus metrics, OpenAPI at /docs and
 * /docs-json, precise error bodies, graceful shutdown that flushes traces.
 */
export async function bootstrapService(options: ServiceOptions): Promise<NestExpressApplication> {
  collectProcessMetrics(options.service);
  const app = await NestFactory.create<NestExpressApplication>(options.module as never, {
    logger: options.logger,
    bodyParser: false,
  });
  const rawPaths = new Set(options.rawBodyPaths ?? []);
  const raw = express.raw({ type: () => true, limit: options.rawBodyLimitBytes ?? 1024 * 1024 });
  const json = express.json({ limit: options.jsonLimitBytes ?? 256 * 1024 });
  app.use(httpMetrics);
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) =>
    (rawPaths.has(req.path) ? raw : json)(req, res, next),
  );
  app.useGlobalFilters(new ApiExceptionFilter(options.logger.child('http')));
  app.disable('x-powered-by');
  const origins = (options.corsOrigins ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  // Operator calls carry a bearer token, never cookies: no credentials mode, only the headers they send.
  if (origins.length > 0) app.enableCors({ origin: origins.includes('*') ? '*' : origins, allowedHeaders: ['authorization', 'content-type', 'last-event-id', 'traceparent'], maxAge: 600 });
  if (options.staticRoot) app.useStaticAssets(options.staticRoot, { index: 'index.html', fallthrough: true, maxAge: 0 });
  app.enableShutdownHooks();

  const document = describeRequiredActions(SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`geopulse ${options.service}`)
      .setDescription(options.description)
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'operator')
      .build(),
  ));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  // Consumers declared with @BatchEventPattern run as a Nest transport over libs/kafka's batch
  // consumer, started once the app's own start-up hooks (topics, producer) have run.
  await app.init();
  const consumers = app.get(KafkaConsumers, { strict: false });
  if (consumers.names().length > 0) {
    const transport = new KafkaBatchTransport({ kafka: app.get(KAFKA), settings: app.get(KAFKA_SETTINGS), producer: app.get(EventProducer), logger: options.logger, consumers });
    // Not the app's HTTP filters: a handler's error must reach libs/kafka as thrown, to be
    // classified (each @BatchEventPattern handler carries its own rethrowing filter).
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: false });
    await app.startAllMicroservices();
  }
  await app.listen(options.port, options.host ?? '0.0.0.0');
  options.logger.emit('info', 'listening', { port: options.port, service: options.service });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    options.logger.emit('info', 'shutting down', { signal });
    const timer = setTimeout(() => process.exit(1), options.shutdownTimeoutMs ?? 10_000);
    timer.unref();
    try {
      await app.close();
    } finally {
      await shutdownTracing();
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return app;
}

/** The HTTP settings every service parses (`httpEnv` in @geopulse/config). */
export interface ServiceHttpSettings {
  PORT: number;
  GEOPULSE_CORS_ORIGINS?: string;
  LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error';
  SHUTDOWN_TIMEOUT_MS: number;
}

export type RunServiceOptions = Omit<ServiceOptions, 'module' | 'port' | 'logger' | 'shutdownTimeoutMs'> & {
  http: ServiceHttpSettings;
  /** Builds the service's root module with the service's logger. */
  module: (logger: JsonLogger) => unknown;
};

/** A service's app.ts in one call: its JSON logger, then bootstrapService with its HTTP settings. */
export async function runService({ http, module, ...options }: RunServiceOptions): Promise<NestExpressApplication> {
  const logger = new JsonLogger(`geopulse-${options.service}`, http.LOG_LEVEL);
  return bootstrapService({ ...options, module: module(logger), port: http.PORT, logger, shutdownTimeoutMs: http.SHUTDOWN_TIMEOUT_MS, corsOrigins: http.GEOPULSE_CORS_ORIGINS });
}
