import { EVENT_TYPES } from '@geopulse/contracts';
import { parseNotificationEvent } from './notification-event';
import { alertEvent as alertOf } from '../test-support/events';
import { InvalidSubscription, parseSubscriptionInput, publicView, subscriptionMatches, type Subscription } from './subscription';

const base = {
  name: 'Ops', filter: { types: ['alert.start', 'geofence.enter'], minSeverity: 'WARNING' }, channel: { type: 'email', to: ['ops@example.com'] },
};

function problems(body: unknown): string[] {
  try {
    parseSubscriptionInput(body);
  } catch (err) {
    return (err as InvalidSubscription).problems.map((p) => p.path);
  }
  return [];
}

const sub = (over: Partial<Subscription> = {}): Subscription => ({
  ...parseSubscriptionInput(base), id: 's1', tenantId: 't1', version: 1, createdAt: '', updatedAt: '', ...over,
});

const alertEvent = (data: Record<string, unknown> = {}, tenantId = 't1') => alertOf({ severity: 'WARNING', tenantId, ...data });

describe('parseSubscriptionInput', () => {
  it('accepts the ARCHITECTURE example and defaults enabled and webhook mode', () => {
    expect(parseSubscriptionInput(base)).toMatchObject({ name: 'Ops', enabled: true, channel: { type: 'email' } });
    const hook = parseSubscriptionInput({ ...base, channel: { type: 'webhook', url: 'https://hooks.example.com/x', secret: 's'.repeat(16) } });
    expect(hook.channel).toMatchObject({ mode: 'binary' });
  });

  it('lists every problem with its path', () => {
    expect(problems({ name: '', filter: { types: ['alert.maybe'], minSeverity: 'LOUD', deviceIds: ['bad id'] }, channel: { type: 'email', to: ['nope'] }, throttle: { perDeviceSeconds: -1 }, extra: 1 })).toEqual(
      expect.arrayContaining(['/extra', '/name', '/filter/types/0', '/filter/minSeverity', '/filter/deviceIds/0', '/channel/to/0', '/throttle/perDeviceSeconds']),
    );
    expect(problems({ ...base, channel: { type: 'webhook', url: 'ftp://x', secret: 'short', mode: 'weird' } }).sort()).toEqual(['/channel/mode', '/channel/secret', '/channel/url']);
    expect(problems({ ...base, channel: { type: 'sms' } })).toEqual(['/channel/type']);
    expect(problems([])).toEqual(['']);
  });

  it('never shows a webhook secret', () => {
    const s = sub({ channel: { type: 'webhook', url: 'https://x.example', secret: 'top-secret-value-1', mode: 'binary' } });
    expect(JSON.stringify(publicView(s))).not.toContain('top-secret');
  });
});

describe('subscriptionMatches', () => {
  it('matches type, severity, tenant and enabled', () => {
    expect(subscriptionMatches(sub(), alertEvent())).toBe(true);
    expect(subscriptionMatches(sub(), alertEvent({ severity: 'INFO' }))).toBe(false);
    expect(subscriptionMatches(sub(), alertEvent({ severity: 'CRITICAL' }))).toBe(true);
    expect(subscriptionMatches(sub(), alertEvent({ status: 'STOP' }))).toBe(false);
    expect(subscriptionMatches(sub({ enabled: false }), alertEvent())).toBe(false);
    expect(subscriptionMatches(sub(), alertEvent({}, 'other-tenant'))).toBe(false);
  });

  it('filters by rule, device and tags; empty lists match all', () => {
    const f = sub().filter;
    expect(subscriptionMatches(sub({ filter: { ...f, ruleIds: ['r2'] } }), alertEvent())).toBe(false);
    expect(subscriptionMatches(sub({ filter: { ...f, ruleIds: [] } }), alertEvent())).toBe(true);
    expect(subscriptionMatches(sub({ filter: { ...f, deviceIds: ['dev-1'] } }), alertEvent())).toBe(true);
    expect(subscriptionMatches(sub({ filter: { ...f, deviceIds: ['dev-2'] } }), alertEvent())).toBe(false);
    expect(subscriptionMatches(sub({ filter: { ...f, tags: { site: 'ams' } } }), alertEvent({ tags: ['site:ams', 'x:y'] }))).toBe(true);
    expect(subscriptionMatches(sub({ filter: { ...f, tags: { site: 'ams' } } }), alertEvent())).toBe(false);
    // The device's registry tags decide when the event carries none (docs/decisions/0107).
    expect(subscriptionMatches(sub({ filter: { ...f, tags: { site: 'ams' } } }), alertEvent(), ['fleet-a', 'site:ams'])).toBe(true);
    expect(subscriptionMatches(sub({ filter: { ...f, tags: { site: 'ams' } } }), alertEvent(), ['site:rtm'])).toBe(false);
  });

  it('applies geofence ids to geofence events only', () => {
    const event = parseNotificationEvent(
      {
        specversion: '1.0', id: 'g1', source: '/geopulse/geo', type: EVENT_TYPES.geofenceTransition, time: '2026-11-22T10:00:00.000Z', datacontenttype: 'application/json',
        data: { tenantId: 't1', deviceId: 'dev-1', geofenceId: 'depot', geofenceName: 'Depot', transition: 'ENTER', reason: 'position', at: '2026-11-22T10:00:00.000Z', position: { lat: 1, lon: 2 } },
      },
      't1:dev-1',
    );
    const f = sub().filter;
    expect(subscriptionMatches(sub({ filter: { ...f, geofenceIds: ['depot'], ruleIds: ['r9'] } }), event)).toBe(true);
    expect(subscriptionMatches(sub({ filter: { ...f, geofenceIds: ['yard'] } }), event)).toBe(false);
  });
});
