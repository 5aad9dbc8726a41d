import { runService } from '@geopulse/service-runtime';
import { notifierModule } from './app.module';
import type { NotifierConfig } from './config';

export async function startNotifier(config: NotifierConfig): Promise<void> {
  await runService({
    service: 'notifier',
    http: config.http,
    module: (logger) => notifierModule(config, logger),
    staticRoot: config.live.map.dir,
    description: 'Alert and geofence notifications by email and CloudEvents webhooks (signed: X-Geopulse-Signature v1=HMAC-SHA256(secret, "<X-Geopulse-Timestamp>.<body>")).',
  });
}
