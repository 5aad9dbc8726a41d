import { renderMosquittoConfig } from './mosquitto.component';

describe('renderMosquittoConfig', () => {
  it('listens anonymously on loopback only', () => {
    const config = renderMosquittoConfig(1883, false);
    expect(config).toContain('listener 1883 127.0.0.1\n');
    expect(config).toContain('allow_anonymous true\n');
    expect(config).not.toContain('user ');
  });

  it('keeps root instead of switching to the mosquitto user', () => {
    expect(renderMosquittoConfig(1883, true)).toContain('user root\n');
  });
});
