import { routeLabel } from './http-metrics';

describe('routeLabel', () => {
  it('uses the matched route template, so ids never become label values', () => {
    expect(routeLabel({ baseUrl: '', route: { path: '/v1/devices/:id/state' } })).toBe('/v1/devices/:id/state');
  });

  it('prefixes a mounted router base', () => {
    expect(routeLabel({ baseUrl: '/api', route: { path: '/v1/rules' } })).toBe('/api/v1/rules');
  });

  it('counts requests no route matched as one label', () => {
    expect(routeLabel({ baseUrl: '' })).toBe('unmatched');
    expect(routeLabel({ baseUrl: '', route: { path: /regex/ } })).toBe('unmatched');
  });
});
