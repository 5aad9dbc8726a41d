import type { Geofence, TelemetryReading } from '@geopulse/contracts';
import { EvaluatePositions } from './evaluate-positions';
import { FireDwells } from './fire-dwells';
import { GeofenceCatalog } from './geofence-catalog';
import type { OutgoingTransition } from './ports';
import { MemoryStore } from '../test-support/fakes';

const T0 = Date.UTC(2026, 10, 22, 10);
// A 500 m circle around (0.005, 0.005); (0.02, 0.02) is 2.3 km away.
const fence: Geofence = { id: 'c', tenantId: 't1', name: 'Circle', geometry: { type: 'Circle', center: [0.005, 0.005], radiusMeters: 500 }, dwellSeconds: 60, version: 1, createdAt: '', updatedAt: '' };

async function setup() {
  let now = T0 + 3_600_000;
  const catalog = new GeofenceCatalog({ scanAll: async () => [fence], get: async () => fence, list: async () => [], put: async () => undefined, delete: async () => true }, () => now);
  await catalog.load();
  const store = new MemoryStore();
  const published: OutgoingTransition[] = [];
  const publisher = { publish: async (t: readonly OutgoingTransition[]) => void published.push(...t) };
  const evaluate = new EvaluatePositions(catalog, store, publisher, 5, () => now);
  const timers = new FireDwells(catalog, store, publisher, () => now);
  const kinds = () => published.map((p) => `${p.deviceId}:${p.transition.transition}:${p.transition.reason}`);
  return { evaluate, timers, store, kinds, advance: (ms: number) => (now += ms) };
}

const reading = (deviceId: string, offsetS: number, lon: number, lat: number): TelemetryReading => ({
  tenantId: 't1',
  deviceId,
  id: `${deviceId}-${offsetS}`,
  ts: new Date(T0 + offsetS * 1000).toISOString(),
  receivedAt: '',
  position: { lon, lat },
});

describe('EvaluatePositions and FireDwells', () => {
  it('applies a shuffled batch in event-time order per device and counts late ones as stale', async () => {
    const { evaluate, kinds } = await setup();
    const batch = [reading('d1', 20, 0.02, 0.02), reading('d1', 0, 0.02, 0.02), reading('d1', 10, 0.005, 0.005)].map((r) => ({ reading: r, partition: 0 }));
    expect(await evaluate.execute(batch)).toMatchObject({ evaluated: 3, stale: 0 });
    expect(kinds()).toEqual(['d1:ENTER:position', 'd1:EXIT:position']);
    expect(await evaluate.execute([{ reading: reading('d1', 15, 0.005, 0.005), partition: 0 }])).toMatchObject({ evaluated: 0, stale: 1 });
    expect(kinds()).toHaveLength(2);
  });

  it("does not fire a backlog's DWELL early: the timer waits for the device's own time, then fires once", async () => {
    const { evaluate, timers, kinds, advance, store } = await setup();
    // An hour-old entry, applied now: by the device's time it has been inside 0 s.
    await evaluate.execute([{ reading: reading('d2', 0, 0.005, 0.005), partition: 3 }]);
    expect(await timers.execute([3])).toEqual([]);
    advance(30_000);
    expect(await timers.execute([3])).toEqual([]);
    advance(30_000);
    expect((await timers.execute([3])).map((t) => t.transition.reason)).toEqual(['dwell-timer']);
    advance(60_000);
    expect(await timers.execute([3])).toEqual([]);
    expect(kinds()).toEqual(['d2:ENTER:position', 'd2:DWELL:dwell-timer']);
    expect(store.timers.size).toBe(0);
    // Timers of partitions this replica does not own are left alone.
    await evaluate.execute([{ reading: reading('d3', 0, 0.005, 0.005), partition: 4 }]);
    advance(120_000);
    expect(await timers.execute([3])).toEqual([]);
  });
});
