import type { TelemetryAggregate, TelemetryReading } from '@geopulse/contracts';
import { deviceKey, type PartitionReading } from '../domain/window-batch';
import { AggregateWindows, archivedWindowKey, WindowConflictError } from './aggregate-windows';
import { MemoryWindowStore, MemoryArchive } from '../test-support/fakes';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const ref = { topic: 'telemetry', partition: 0 };
let offset = 0;
const rec = (deviceId: string, sec: number): PartitionReading<number> => {
  const reading: TelemetryReading = { tenantId: 't', deviceId, id: `${deviceId}-${offset}`, ts: new Date(T0 + sec * 1000).toISOString(), receivedAt: '', metrics: { v: sec } };
  return { reading, offset: offset++, ref: offset };
};

function setup() {
  const store = new MemoryWindowStore();
  const archive = new MemoryArchive();
  const calls: string[] = [];
  const sent: TelemetryAggregate[] = [];
  let now = 1_000_000;
  const windows = new AggregateWindows(
    store,
    {
      publish: async (list) => {
        calls.push('kafka');
        sent.push(...list.map((a) => a.aggregate));
      },
    },
    {
      saveAggregates: async (list) => {
        calls.push('dynamo');
        await archive.saveAggregates(list);
      },
      loadWindows: (refs) => archive.loadWindows(refs),
    },
    { windowMs: 60_000, outOfOrdernessMs: 0, allowedLatenessMs: 3_600_000, deviceIdleMs: 5_000, silentHorizonMs: 86_400_000, archiveMs: 30 * 86_400_000 },
    () => now,
  );
  return { store, archive, calls, sent, windows, advance: (ms: number) => (now += ms) };
}

beforeEach(() => {
  offset = 0;
});

describe('AggregateWindows', () => {
  it('archives before Kafka and keeps only open windows live', async () => {
    const { store, calls, sent, windows } = setup();
    const outcome = await windows.processBatch(ref, [rec('a', 1), rec('a', 2), rec('b', 3), rec('a', 61)]);
    expect(outcome).toMatchObject({ applied: 4, tooLate: [], emitted: { first: 1, revisions: 0 } });
    expect(calls).toEqual(['dynamo', 'kafka']);
    // a's own clock closed its first window; b's window stays open however far a went.
    expect(sent.map((a) => [a.deviceId, a.count])).toEqual([['a', 2]]);
    expect([...store.devices.values()].map((d) => [d.deviceId, [...d.stored.windows.keys()].map((s) => (s - T0) / 60_000)])).toEqual([
      ['a', [1]],
      ['b', [0]],
    ]);
    expect(store.devices.get(deviceKey('t', 'a'))!.stored.progress.provisional).toEqual({ eventTime: T0 + 61_000, offset: 3 });
  });

  it('counts nothing twice when a batch comes again after a failed write', async () => {
    const { store, sent, windows } = setup();
    const batch = [rec('a', 1), rec('a', 2), rec('a', 70)];
    store.conflictOnce = true;
    await expect(windows.processBatch(ref, batch)).rejects.toBeInstanceOf(WindowConflictError);
    await windows.processBatch(ref, batch);
    const again = await windows.processBatch(ref, batch);
    expect(again).toMatchObject({ applied: 0, replayed: 3 });
    expect(sent.map((a) => a.count)).toEqual([2]);
  });

  it('revises a window that left the live store from its archived state, once per late batch', async () => {
    const { archive, sent, windows, advance } = setup();
    await windows.processBatch(ref, [rec('van', 1), rec('van', 2), rec('van', 600)]);
    expect(sent.map((a) => [a.revision, a.count])).toEqual([[0, 2]]);
    // The buffered readings of the first minute arrive after the device moved on ten minutes.
    await windows.tickIdle([ref]);
    const outcome = await windows.processBatch(ref, [rec('van', 3), rec('van', 4)]);
    expect(outcome).toMatchObject({ restored: 1, late: 2, tooLate: [] });
    expect(await windows.processBatch(ref, [rec('van', 5)])).toMatchObject({ restored: 0, late: 1 });
    // The backfill is one revision, sent once the window has been quiet for the idle time.
    expect(sent).toHaveLength(1);
    advance(5_000);
    await windows.tickIdle([ref]);
    const firstMinute = sent.filter((a) => a.windowStart === new Date(T0).toISOString());
    expect(firstMinute.map((a) => [a.revision, a.count, a.metrics.v.max])).toEqual([
      [0, 2, 2],
      [1, 5, 5],
    ]);
    expect(archive.windows.get(archivedWindowKey({ tenantId: 't', deviceId: 'van', start: T0 }))).toMatchObject({ revision: 1, count: 5 });
    // A device the live store knows moving forward needs no archive read.
    const loads = archive.loads;
    await windows.processBatch(ref, [rec('van', 720), rec('van', 790)]);
    expect(archive.loads).toBe(loads);
  });

  it("closes a silent device's open window after the idle time, on an owned partition only", async () => {
    const { sent, windows, advance } = setup();
    await windows.processBatch(ref, [rec('a', 1)]);
    // First sight of the partition: idleness counts from now.
    await windows.tickIdle([ref]);
    advance(4_000);
    await windows.tickIdle([ref]);
    expect(sent).toEqual([]);
    advance(60_000);
    await windows.tickIdle([{ topic: 'telemetry', partition: 1 }]);
    expect(sent).toEqual([]);
    // Partition 0 was given up and owned again: idleness counts from the new ownership.
    await windows.tickIdle([ref]);
    expect(sent).toEqual([]);
    advance(5_000);
    await windows.tickIdle([ref]);
    expect(sent.map((a) => [a.deviceId, a.count, a.revision])).toEqual([['a', 1, 0]]);
    // The device comes back within the same minute: its window's next revision.
    await windows.processBatch(ref, [rec('a', 30)]);
    advance(5_000);
    await windows.tickIdle([ref]);
    expect(sent.map((a) => [a.count, a.revision])).toEqual([
      [1, 0],
      [2, 1],
    ]);
  });
});
