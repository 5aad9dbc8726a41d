import { JsonLogger } from '@geopulse/observability';
import { bootstrapService, PlatformModule } from '@geopulse/service-runtime';
import type { NotifierConfig } from './config';

/** The service's outside (health, readiness, metrics, docs, Kafka, auth); its domain comes with its issue. */
export async function startNotifier(config: NotifierConfig): Promise<void> {
  const logger = new JsonLogger('geopulse-notifier', config.http.LOG_LEVEL);
  await bootstrapService({
    service: 'notifier',
    module: PlatformModule.register({ service: 'notifier', logger, kafka: config.kafka, auth: config.auth, redisUrl: config.redisUrl }),
    port: config.http.PORT,
    logger,
    description: 'Alert and geofence notifications by email and CloudEvents webhooks.',
    shutdownTimeoutMs: config.http.SHUTDOWN_TIMEOUT_MS,
  });
}
