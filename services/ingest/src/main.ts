// Bootstrap only: config first (exits naming each bad variable), tracing before anything
// that opens sockets is loaded, then Nest.
import { startTracing } from '@geopulse/observability';
import { loadIngestConfig } from './config';

const config = loadIngestConfig();
startTracing({ serviceName: 'geopulse-ingest', ...config.tracing });
import('./app')
  .then(({ startIngest }) => startIngest(config))
  .catch((err: Error) => {
    process.stderr.write(`geopulse-ingest: failed to start: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
