// Bootstrap only: config first (exits naming each bad variable), tracing before anything
// that opens sockets is loaded, then Nest.
import { startTracing } from '@geopulse/observability';
import { loadRulesConfig } from './config';

const config = loadRulesConfig();
startTracing({ serviceName: 'geopulse-rules', ...config.tracing });
import('./app')
  .then(({ startRules }) => startRules(config))
  .catch((err: Error) => {
    process.stderr.write(`geopulse-rules: failed to start: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
