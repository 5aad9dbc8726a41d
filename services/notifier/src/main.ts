// Bootstrap only: config first (exits naming each bad variable), tracing before anything
// that opens sockets is loaded, then Nest.
import { startTracing } from '@geopulse/observability';
import { loadNotifierConfig } from './config';

const config = loadNotifierConfig();
startTracing({ serviceName: 'geopulse-notifier', ...config.tracing });
import('./app')
  .then(({ startNotifier }) => startNotifier(config))
  .catch((err: Error) => {
    process.stderr.write(`geopulse-notifier: failed to start: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
