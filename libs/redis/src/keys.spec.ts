import { tenantKey } from './keys';

describe('tenantKey', () => {
  it('puts the tenant in a hash tag so a tenant stays in one cluster slot', () => {
    expect(tenantKey('acme', 'device', 'd1', 'state')).toBe('gp:{acme}:device:d1:state');
    expect(tenantKey('acme', 'geo')).toBe('gp:{acme}:geo');
  });
});
