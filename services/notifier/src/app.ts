import { JsonLogger } from '@geopulse/observability';
import { bootstrapService } from '@geopulse/service-runtime';
import { notifierModule } from './app.module';
import type { NotifierConfig } from './config';

export async function startNotifier(config: NotifierConfig): Promise<void> {
  const logger = new JsonLogger('geopulse-notifier', config.http.LOG_LEVEL);
  await bootstrapService({
    service: 'notifier',
    module: notifierModule(config, logger),
    port: config.http.PORT,
    logger,
    description: 'Alert and geofence notifications by email and CloudEvents webhooks (signed: X-Geopulse-Signature v1=HMAC-SHA256(secret, "<X-Geopulse-Timestamp>.<body>")).',
    shutdownTimeoutMs: config.http.SHUTDOWN_TIMEOUT_MS,
  });
}
