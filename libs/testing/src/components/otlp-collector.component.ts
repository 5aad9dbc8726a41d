import { builtFile } from '../package-paths';
import type { ComponentDefinition } from './component';
import { httpOk } from './network-probes';

export const otlpCollectorComponent: ComponentDefinition = {
  name: 'otlp',
  portNames: ['http'],
  readyTimeoutMs: 15_000,
  stopTimeoutMs: 5_000,
  needs: {},

  async prepare({ dir, ports }) {
    return {
      command: process.execPath,
      args: [builtFile('servers/otlp-collector.js'), '--port', String(ports.http)],
      env: {},
      cwd: dir,
    };
  },

  probe: (ports) => httpOk(`http://127.0.0.1:${ports.http}/healthz`),

  env(ports) {
    // One port serves both the OTLP/HTTP receiver and the query API.
    return {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.http}`,
      OTLP_QUERY_URL: `http://127.0.0.1:${ports.http}`,
    };
  },
};
