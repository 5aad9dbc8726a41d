import { JsonLogger } from '@geopulse/observability';
import { bootstrapService } from '@geopulse/service-runtime';
import { aggregatorModule } from './app.module';
import type { AggregatorConfig } from './config';

export async function startAggregator(config: AggregatorConfig): Promise<void> {
  const logger = new JsonLogger('geopulse-aggregator', config.http.LOG_LEVEL);
  await bootstrapService({
    service: 'aggregator',
    module: aggregatorModule(config, logger),
    port: config.http.PORT,
    logger,
    description: 'Live device state and geo queries over the telemetry stream.',
    shutdownTimeoutMs: config.http.SHUTDOWN_TIMEOUT_MS,
  });
}
