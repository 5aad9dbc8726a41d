import { JsonLogger } from '@geopulse/observability';
import { bootstrapService, PlatformModule } from '@geopulse/service-runtime';
import type { GeoConfig } from './config';

/** The service's outside (health, readiness, metrics, docs, Kafka, auth); its domain comes with its issue. */
export async function startGeo(config: GeoConfig): Promise<void> {
  const logger = new JsonLogger('geopulse-geo', config.http.LOG_LEVEL);
  await bootstrapService({
    service: 'geo',
    module: PlatformModule.register({ service: 'geo', logger, kafka: config.kafka, auth: config.auth, redisUrl: config.redisUrl }),
    port: config.http.PORT,
    logger,
    description: 'Geofences over positions: ENTER / EXIT / DWELL.',
    shutdownTimeoutMs: config.http.SHUTDOWN_TIMEOUT_MS,
  });
}
