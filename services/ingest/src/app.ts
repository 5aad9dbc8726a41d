import { runService } from '@geopulse/service-runtime';
import { ingestModule } from './app.module';
import type { IngestConfig } from './config';

export async function startIngest(config: IngestConfig): Promise<void> {
  await runService({
    service: 'ingest',
    http: config.http,
    module: (logger) => ingestModule(config, logger),
    description: 'Device telemetry intake: validated readings to Kafka, acknowledged only when durable.',
    rawBodyPaths: ['/v1/telemetry'],
    rawBodyLimitBytes: config.ingest.maxBodyBytes,
  });
}
