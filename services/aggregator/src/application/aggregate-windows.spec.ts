import type { TelemetryAggregate, TelemetryReading } from '@geopulse/contracts';
import { NO_WATERMARK, type StoredWatermark } from '../domain/partition-watermark';
import { deviceKey, type DeviceWindowUpdate, type PartitionReading, type StoredDeviceWindows, type StoredWindow } from '../domain/window-batch';
import { AggregateWindows, WindowConflictError, type DueWindow, type PartitionRef, type WindowStore } from './aggregate-windows';

/** The store's contract in memory (one partition's view is enough here). */
class MemoryWindowStore implements WindowStore {
  watermarks = new Map<number, StoredWatermark>();
  devices = new Map<string, { tenantId: string; deviceId: string; version: string; off: number; windows: Map<number, StoredWindow> }>();
  pending = new Set<string>();
  conflictOnce = false;

  async loadWatermark(ref: PartitionRef) {
    return this.watermarks.get(ref.partition) ?? NO_WATERMARK;
  }
  async saveWatermark(ref: PartitionRef, stored: StoredWatermark) {
    this.watermarks.set(ref.partition, stored);
  }
  async loadDevices(_ref: PartitionRef, devices: ReadonlyArray<{ tenantId: string; deviceId: string }>) {
    const out = new Map<string, StoredDeviceWindows>();
    for (const d of devices) {
      const stored = this.devices.get(deviceKey(d.tenantId, d.deviceId));
      out.set(deviceKey(d.tenantId, d.deviceId), stored ? { appliedOffset: stored.off, windows: structuredClone(stored.windows), version: stored.version } : { appliedOffset: -1, windows: new Map(), version: '' });
    }
    return out;
  }
  async applyUpdates(_ref: PartitionRef, updates: readonly DeviceWindowUpdate[]) {
    if (this.conflictOnce) {
      this.conflictOnce = false;
      throw new WindowConflictError(updates.map((u) => u.deviceId));
    }
    for (const u of updates) {
      const key = deviceKey(u.tenantId, u.deviceId);
      const current = this.devices.get(key) ?? { tenantId: u.tenantId, deviceId: u.deviceId, version: '', off: -1, windows: new Map<number, StoredWindow>() };
      for (const w of u.windows) {
        current.windows.set(w.start, { ...current.windows.get(w.start), state: structuredClone(w) });
        this.pending.add(`${key}|${w.start}`);
      }
      this.devices.set(key, { ...current, off: u.appliedOffset, version: String(u.appliedOffset) });
    }
  }
  async dueWindows(_ref: PartitionRef, watermark: number): Promise<DueWindow[]> {
    const due: DueWindow[] = [];
    for (const d of this.devices.values()) {
      for (const [start, w] of d.windows) {
        if (this.pending.has(`${deviceKey(d.tenantId, d.deviceId)}|${start}`) && w.state.end <= watermark) due.push({ tenantId: d.tenantId, deviceId: d.deviceId, state: w.state });
      }
    }
    return due;
  }
  async markEmitted(_ref: PartitionRef, windows: readonly DueWindow[]) {
    for (const w of windows) {
      const key = deviceKey(w.tenantId, w.deviceId);
      this.devices.get(key)!.windows.get(w.state.start)!.emittedRevision = w.state.revision;
      this.pending.delete(`${key}|${w.state.start}`);
    }
  }
  async dropFinished(_ref: PartitionRef, end: number) {
    for (const d of this.devices.values()) for (const [start, w] of d.windows) if (w.state.end <= end) d.windows.delete(start);
  }
}

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const ref = { topic: 'telemetry', partition: 0 };
let offset = 0;
const rec = (deviceId: string, sec: number): PartitionReading<number> => {
  const reading: TelemetryReading = { tenantId: 't', deviceId, id: `${deviceId}-${offset}`, ts: new Date(T0 + sec * 1000).toISOString(), receivedAt: '', metrics: { v: sec } };
  return { reading, offset: offset++, ref: offset };
};

function setup() {
  const store = new MemoryWindowStore();
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
    { saveAggregates: async () => void calls.push('dynamo') },
    { windowMs: 60_000, allowedLatenessMs: 30_000, idlePartitionMs: 5_000 },
    () => now,
  );
  return { store, calls, sent, windows, advance: (ms: number) => (now += ms) };
}

beforeEach(() => {
  offset = 0;
});

describe('AggregateWindows', () => {
  it('stores history before Kafka, marks what was sent, and records the watermark', async () => {
    const { store, calls, sent, windows } = setup();
    const outcome = await windows.processBatch(ref, [rec('a', 1), rec('a', 2), rec('b', 3), rec('a', 61)]);
    expect(outcome).toMatchObject({ applied: 4, tooLate: [], emitted: { first: 2, revisions: 0 } });
    expect(calls).toEqual(['dynamo', 'kafka']);
    expect(sent.map((a) => [a.deviceId, a.count])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(store.pending.size).toBe(1);
    expect(store.watermarks.get(0)!.provisional).toEqual({ watermark: T0 + 61_000, offset: 3 });
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

  it('closes the last window of an owned partition that went idle, and leaves other partitions alone', async () => {
    const { sent, windows, advance } = setup();
    await windows.processBatch(ref, [rec('a', 1)]);
    expect(sent).toEqual([]);
    advance(4_000);
    await windows.tickIdle([ref]);
    expect(sent).toEqual([]);
    advance(60_000);
    await windows.tickIdle([{ topic: 'telemetry', partition: 1 }]);
    expect(sent).toEqual([]);
    // Partition 0 was given up and owned again: idleness counts from the new ownership.
    await windows.tickIdle([ref]);
    expect(sent).toEqual([]);
    advance(64_000);
    await windows.tickIdle([ref]);
    expect(sent.map((a) => [a.deviceId, a.count, a.revision])).toEqual([['a', 1, 0]]);
  });
});
