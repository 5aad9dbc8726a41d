import { runService } from '@geopulse/service-runtime';
import { geoModule } from './app.module';
import type { GeoConfig } from './config';

export async function startGeo(config: GeoConfig): Promise<void> {
  await runService({
    service: 'geo',
    http: config.http,
    module: (logger) => geoModule(config, logger),
    description: 'Geofences over positions: ENTER / EXIT / DWELL.',
    jsonLimitBytes: config.geo.maxBodyBytes,
  });
}
