import { renderMosquittoConfig, type MosquittoOptions } from './mosquitto.component';

const options: MosquittoOptions = {
  port: 1883,
  runningAsRoot: false,
  plugin: '/cache/geopulse_auth.so',
  authUrl: 'http://127.0.0.1:3001/internal/mqtt/authenticate',
  authSecret: 's'.repeat(32),
  servicePassword: 'p'.repeat(32),
  cacheMs: 1000,
};

describe('renderMosquittoConfig', () => {
  it('listens on loopback only and refuses anonymous clients: devices are checked by ingest', () => {
    const config = renderMosquittoConfig(options);
    expect(config).toContain('listener 1883 127.0.0.1\n');
    expect(config).toContain('allow_anonymous false\n');
    expect(config).toContain('plugin /cache/geopulse_auth.so\n');
    expect(config).toContain('plugin_opt_auth_url http://127.0.0.1:3001/internal/mqtt/authenticate\n');
    expect(config).toContain('plugin_opt_service_username geopulse-ingest\n');
    expect(config).not.toContain('user ');
    expect(config).not.toContain('certfile');
  });

  it('speaks TLS on the listener when given a certificate', () => {
    const config = renderMosquittoConfig({ ...options, tls: { certFile: '/tls/server.crt', keyFile: '/tls/server.key' } });
    expect(config).toMatch(/listener 1883 127\.0\.0\.1\ncertfile \/tls\/server\.crt\nkeyfile \/tls\/server\.key\n/);
  });

  it('keeps root instead of switching to the mosquitto user', () => {
    expect(renderMosquittoConfig({ ...options, runningAsRoot: true })).toContain('user root\n');
  });
});
