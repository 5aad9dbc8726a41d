import { builtFile } from '../package-paths';
import type { ComponentDefinition, ComponentPorts } from './component';
import { httpOk, smtpGreets } from './network-probes';

async function probeSmtpSink(ports: ComponentPorts): Promise<boolean> {
  return (await httpOk(`http://127.0.0.1:${ports.http}/healthz`)) && (await smtpGreets(ports.smtp));
}

export const smtpSinkComponent: ComponentDefinition = {
  name: 'smtp',
  portNames: ['smtp', 'http'],
  readyTimeoutMs: 15_000,
  stopTimeoutMs: 5_000,
  needs: {},

  async prepare({ dir, ports }) {
    return {
      command: process.execPath,
      args: [builtFile('servers/smtp-sink.js'), '--smtp-port', String(ports.smtp), '--http-port', String(ports.http)],
      env: {},
      cwd: dir,
    };
  },

  probe: probeSmtpSink,

  env(ports) {
    return {
      SMTP_URL: `smtp://127.0.0.1:${ports.smtp}`,
      SMTP_SINK_URL: `http://127.0.0.1:${ports.http}`,
    };
  },
};
