import { harnessBackend } from './harness';

describe('harnessBackend', () => {
  it('defaults to processes and accepts containers', () => {
    expect(harnessBackend({})).toBe('processes');
    expect(harnessBackend({ GEOPULSE_HARNESS: '' })).toBe('processes');
    expect(harnessBackend({ GEOPULSE_HARNESS: 'containers' })).toBe('containers');
  });

  it('names what is wrong in one line', () => {
    expect(() => harnessBackend({ GEOPULSE_HARNESS: 'docker' })).toThrow('GEOPULSE_HARNESS must be processes or containers, not "docker"');
  });
});
