import type { TelemetryReading } from '@geopulse/contracts';
import { classify, watermarkBefore, type StoredWatermark, type WatermarkMark } from './partition-watermark';
import { WindowAccumulator, windowStartOf, type WindowState } from './window-accumulator';

/** A consumed reading with its place in the partition. */
export interface PartitionReading<T> {
  reading: TelemetryReading;
  offset: number;
  traceparent?: string;
  /** The caller's handle for the record (to dead-letter it). */
  ref: T;
}

export interface StoredWindow {
  state: WindowState;
  /** Last revision sent; undefined until the window was first emitted. */
  emittedRevision?: number;
}

/** What the store holds for one device on this partition. */
export interface StoredDeviceWindows {
  /** Highest offset of this partition already folded into the device's windows; -1 for none. */
  appliedOffset: number;
  windows: Map<number, StoredWindow>;
  /** The store's opaque version of this record, checked when the update is written. */
  version?: string;
}

/** One device's change: written atomically, and only if the stored offset is still `expectedOffset`. */
export interface DeviceWindowUpdate {
  tenantId: string;
  deviceId: string;
  expectedOffset: number;
  expectedVersion?: string;
  appliedOffset: number;
  windows: WindowState[];
}

/** A window as it was when the watermark closed it (or after a late change), to be sent. */
export interface WindowEmission {
  tenantId: string;
  deviceId: string;
  state: WindowState;
}

export interface WindowBatchPlan<T> {
  /** What the batch started from, and the watermark now proven committed. */
  confirmed: WatermarkMark;
  /** The watermark after the batch. */
  end: WatermarkMark;
  updates: DeviceWindowUpdate[];
  /**
   * Windows of the batch's devices closed while the batch advanced the watermark, each as it
   * was at that reading, so revisions do not depend on where batch boundaries fall. Windows
   * of devices outside the batch do not change in it and are emitted from the store.
   */
  emissions: WindowEmission[];
  tooLate: Array<PartitionReading<T>>;
  /** Readings folded into windows, of which `late` went into already closed ones. */
  applied: number;
  late: number;
  /** Readings already folded in by an earlier delivery (a replay after a crash or rebalance). */
  replayed: number;
  /** Readings whose id the window had counted already (sent twice as two records). */
  duplicates: number;
}

export const deviceKey = (tenantId: string, deviceId: string): string => `${tenantId}\u0000${deviceId}`;

/**
 * Folds one partition batch (in offset order) into the devices' windows. Each reading is judged
 * against the watermark before it, which depends only on the readings before it in the
 * partition: so a replay judges it exactly as the first delivery did. Readings at or below a
 * device's applied offset are not counted again.
 */
export function planWindowBatch<T>(input: {
  records: ReadonlyArray<PartitionReading<T>>;
  stored: StoredWatermark;
  devices: ReadonlyMap<string, StoredDeviceWindows>;
  windowMs: number;
  allowedLatenessMs: number;
}): WindowBatchPlan<T> {
  const { records, windowMs, allowedLatenessMs } = input;
  const firstOffset = records.length > 0 ? records[0].offset : Number.MAX_SAFE_INTEGER;
  const { start, confirmed } = watermarkBefore(input.stored, firstOffset);
  let watermark = start.watermark;
  let lastOffset = start.offset;
  type Entry = { update: DeviceWindowUpdate; windows: Map<number, StoredWindow> };
  const changed = new Map<string, Entry>();
  const plan: WindowBatchPlan<T> = { confirmed, end: start, updates: [], emissions: [], tooLate: [], applied: 0, late: 0, replayed: 0, duplicates: 0 };
  // Windows of touched devices not yet sent in their current revision, by end.
  let open: Array<{ entry: Entry; start: number; end: number }> = [];
  let nextEnd = Infinity;
  const tracked = new Set<string>();
  const track = (entry: Entry, windowStart: number) => {
    const id = `${entry.update.tenantId}\u0000${entry.update.deviceId}\u0000${windowStart}`;
    if (tracked.has(id)) return;
    tracked.add(id);
    open.push({ entry, start: windowStart, end: windowStart + windowMs });
    nextEnd = Math.min(nextEnd, windowStart + windowMs);
  };
  const emitClosed = (upTo: number | null) => {
    if (upTo === null || upTo < nextEnd) return;
    const still: typeof open = [];
    for (const o of open) {
      const w = o.entry.windows.get(o.start)!;
      if (o.end > upTo) {
        still.push(o);
        continue;
      }
      tracked.delete(`${o.entry.update.tenantId}\u0000${o.entry.update.deviceId}\u0000${o.start}`);
      if (w.emittedRevision === undefined || w.emittedRevision < w.state.revision) {
        plan.emissions.push({ tenantId: o.entry.update.tenantId, deviceId: o.entry.update.deviceId, state: structuredClone(w.state) });
        w.emittedRevision = w.state.revision;
      }
    }
    open = still;
    nextEnd = open.reduce((min, o) => Math.min(min, o.end), Infinity);
  };

  for (const record of records) {
    const { reading, offset } = record;
    const ts = Date.parse(reading.ts);
    const windowStart = windowStartOf(ts, windowMs);
    const lateness = classify(windowStart + windowMs, watermark, allowedLatenessMs);
    lastOffset = Math.max(lastOffset, offset);
    if (lateness === 'too-late') {
      plan.tooLate.push(record);
      continue;
    }
    const key = deviceKey(reading.tenantId, reading.deviceId);
    const stored = input.devices.get(key) ?? { appliedOffset: -1, windows: new Map<number, StoredWindow>() };
    if (offset <= stored.appliedOffset) {
      plan.replayed++;
    } else {
      let entry = changed.get(key);
      if (!entry) {
        entry = {
          update: { tenantId: reading.tenantId, deviceId: reading.deviceId, expectedOffset: stored.appliedOffset, expectedVersion: stored.version, appliedOffset: offset, windows: [] },
          windows: new Map([...stored.windows].map(([s, w]) => [s, { ...w }])),
        };
        changed.set(key, entry);
        // Its stored windows the watermark already closed go out as they were, before this reading.
        for (const s of entry.windows.keys()) track(entry, s);
        emitClosed(watermark);
      }
      const window = entry.windows.get(windowStart) ?? { state: WindowAccumulator.empty(ts, windowMs) };
      entry.update.appliedOffset = offset;
      if (WindowAccumulator.add(window.state, reading, offset, window.emittedRevision, record.traceparent)) {
        entry.windows.set(windowStart, window);
        track(entry, windowStart);
        if (!entry.update.windows.includes(window.state)) entry.update.windows.push(window.state);
        plan.applied++;
        if (lateness === 'late') plan.late++;
      } else {
        plan.duplicates++;
      }
    }
    watermark = watermark === null ? ts : Math.max(watermark, ts);
    emitClosed(watermark);
  }
  plan.updates = [...changed.values()].map((e) => e.update);
  plan.end = { watermark, offset: lastOffset };
  return plan;
}
