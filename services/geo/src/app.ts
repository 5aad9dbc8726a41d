import { JsonLogger } from '@geopulse/observability';
import { bootstrapService } from '@geopulse/service-runtime';
import { geoModule } from './app.module';
import type { GeoConfig } from './config';

export async function startGeo(config: GeoConfig): Promise<void> {
  const logger = new JsonLogger('geopulse-geo', config.http.LOG_LEVEL);
  await bootstrapService({
    service: 'geo',
    module: geoModule(config, logger),
    port: config.http.PORT,
    logger,
    description: 'Geofences over positions: ENTER / EXIT / DWELL.',
    shutdownTimeoutMs: config.http.SHUTDOWN_TIMEOUT_MS,
    jsonLimitBytes: config.geo.maxBodyBytes,
  });
}
