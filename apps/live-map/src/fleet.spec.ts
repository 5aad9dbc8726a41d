import { Fleet, traceLink, TRACK_POINTS } from './fleet.js';

describe('Fleet', () => {
  it('moves devices forward in time only and keeps a bounded track', () => {
    const fleet = new Fleet();
    fleet.apply('position', { deviceId: 'v1', ts: '2026-01-01T00:00:02Z', position: { lat: 1, lon: 2 } });
    fleet.apply('position', { deviceId: 'v1', ts: '2026-01-01T00:00:01Z', position: { lat: 9, lon: 9 } });
    fleet.apply('state', { deviceId: 'v1', ts: '2026-01-01T00:00:03Z', position: { lat: 1.5, lon: 2 }, metrics: { temperature: 40 } });
    const v1 = fleet.devices.get('v1')!;
    expect(v1.position).toEqual({ lat: 1.5, lon: 2 });
    expect(v1.track).toEqual([{ lat: 1, lon: 2 }, { lat: 1.5, lon: 2 }]);
    expect(v1.metrics).toEqual({ temperature: 40 });
    for (let i = 0; i < TRACK_POINTS + 10; i++) fleet.apply('position', { deviceId: 'v1', ts: new Date(Date.UTC(2026, 0, 2) + i * 1000).toISOString(), position: { lat: i, lon: 0 } });
    expect(v1.track).toHaveLength(TRACK_POINTS);
  });

  it('lists alerts and fence transitions newest first, once each, and tracks open alerts', () => {
    const fleet = new Fleet();
    const start = { eventId: 'a:START', deviceId: 'v1', ruleId: 'hot', ruleName: 'Too hot', status: 'START', severity: 'CRITICAL', at: 't1', traceId: 'a'.repeat(32) };
    expect(fleet.apply('alert', start)?.item).toMatchObject({ kind: 'alert', what: 'START', label: 'Too hot', traceId: 'a'.repeat(32) });
    expect(fleet.apply('alert', start)?.item).toBeUndefined();
    fleet.apply('geofence', { eventId: 'g:ENTER', deviceId: 'v1', geofenceId: 'dam', geofenceName: 'Dam', transition: 'ENTER', at: 't2' });
    expect(fleet.feed.map((i) => i.what)).toEqual(['ENTER', 'START']);
    expect([...fleet.devices.get('v1')!.openAlerts.keys()]).toEqual(['hot']);
    fleet.apply('alert', { ...start, eventId: 'a:STOP', status: 'STOP' });
    expect(fleet.devices.get('v1')!.openAlerts.size).toBe(0);
    expect(fleet.apply('alert', { status: 'START' })).toBeUndefined();
  });

  it('links to a trace only with a template and a valid trace id', () => {
    expect(traceLink('http://j/trace/{{traceId}}', 'b'.repeat(32))).toBe(`http://j/trace/${'b'.repeat(32)}`);
    expect(traceLink('', 'b'.repeat(32))).toBeUndefined();
    expect(traceLink('http://j/{{traceId}}', 'nope')).toBeUndefined();
  });
});
