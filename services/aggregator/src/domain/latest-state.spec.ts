import type { TelemetryReading } from '@geopulse/contracts';
import { newestPerDevice, stateOf } from './latest-state';

const reading = (deviceId: string, id: string, ts: string, extra: Partial<TelemetryReading> = {}): TelemetryReading => ({
  tenantId: 'acme',
  deviceId,
  id,
  ts,
  receivedAt: '2026-11-22T10:00:00.000Z',
  metrics: { t: 1 },
  ...extra,
});

describe('newestPerDevice', () => {
  it('keeps the newest event time per device, whatever the arrival order', () => {
    const out = newestPerDevice([
      reading('a', '1', '2026-11-22T09:00:02Z'),
      reading('a', '2', '2026-11-22T09:00:05Z'),
      reading('b', '3', '2026-11-22T09:00:01Z'),
      reading('a', '4', '2026-11-22T09:00:03Z'),
    ]);
    expect(out.map((r) => r.id).sort()).toEqual(['2', '3']);
  });

  it('separates tenants and lets the later record win a tie', () => {
    const out = newestPerDevice([reading('a', '1', '2026-11-22T09:00:00Z'), reading('a', '2', '2026-11-22T09:00:00Z'), { ...reading('a', '3', '2026-11-22T08:00:00Z'), tenantId: 'other' }]);
    expect(out.map((r) => r.id).sort()).toEqual(['2', '3']);
  });
});

describe('stateOf', () => {
  it('keeps the last known position when a newer reading has only metrics', () => {
    const first = stateOf(reading('a', '1', '2026-11-22T09:00:00.000Z', { position: { lat: 1, lon: 2 } }));
    const second = stateOf(reading('a', '2', '2026-11-22T09:01:00.000Z'), first);
    expect(second.position).toBeUndefined();
    expect(second.lastPosition).toEqual({ lat: 1, lon: 2, ts: '2026-11-22T09:00:00.000Z' });
  });
});
