// Bootstrap only: config first (exits naming each bad variable), tracing before anything
// that opens sockets is loaded, then Nest.
import { startTracing } from '@geopulse/observability';
import { loadGeoConfig } from './config';

const config = loadGeoConfig();
startTracing({ serviceName: 'geopulse-geo', ...config.tracing });
import('./app')
  .then(({ startGeo }) => startGeo(config))
  .catch((err: Error) => {
    process.stderr.write(`geopulse-geo: failed to start: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
