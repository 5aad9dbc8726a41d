import { JsonLogger } from '@geopulse/observability';
import { bootstrapService } from '@geopulse/service-runtime';
import { ingestModule } from './app.module';
import type { IngestConfig } from './config';

export async function startIngest(config: IngestConfig): Promise<void> {
  const logger = new JsonLogger('geopulse-ingest', config.http.LOG_LEVEL);
  await bootstrapService({
    service: 'ingest',
    module: ingestModule(config, logger),
    port: config.http.PORT,
    logger,
    description: 'Device telemetry intake: validated readings to Kafka, acknowledged only when durable.',
    rawBodyPaths: ['/v1/telemetry'],
    rawBodyLimitBytes: config.ingest.maxBodyBytes,
    shutdownTimeoutMs: config.http.SHUTDOWN_TIMEOUT_MS,
  });
}
