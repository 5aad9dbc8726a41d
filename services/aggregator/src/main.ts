// Bootstrap only: config first (exits naming each bad variable), tracing before anything
// that opens sockets is loaded, then Nest.
import { startTracing } from '@geopulse/observability';
import { loadAggregatorConfig } from './config';

const config = loadAggregatorConfig();
startTracing({ serviceName: 'geopulse-aggregator', ...config.tracing });
import('./app')
  .then(({ startAggregator }) => startAggregator(config))
  .catch((err: Error) => {
    process.stderr.write(`geopulse-aggregator: failed to start: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
