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
}

/** One device's change: written atomically, and only if the stored offset is still `expectedOffset`. */
export interface DeviceWindowUpdate {
  tenantId: string;
  deviceId: string;
  expectedOffset: number;
  appliedOffset: number;
  windows: WindowState[];
}

export interface WindowBatchPlan<T> {
  /** What the batch started from, and the watermark now proven committed. */
  confirmed: WatermarkMark;
  /** The watermark after the batch. */
  end: WatermarkMark;
  updates: DeviceWindowUpdate[];
  tooLate: Array<PartitionReading<T>>;
  /** Readings folded into windows, of which `late` went into already closed ones. */
  applied: number;
  late: number;
  /** Readings already folded in by an earlier delivery (a replay after a crash or rebalance). */
  replayed: number;
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
  const changed = new Map<string, { update: DeviceWindowUpdate; windows: Map<number, StoredWindow> }>();
  const plan: WindowBatchPlan<T> = { confirmed, end: start, updates: [], tooLate: [], applied: 0, late: 0, replayed: 0 };

  for (const record of records) {
    const { reading, offset } = record;
    const ts = Date.parse(reading.ts);
    const windowStart = windowStartOf(ts, windowMs);
    const lateness = classify(windowStart + windowMs, watermark, allowedLatenessMs);
    watermark = watermark === null ? ts : Math.max(watermark, ts);
    lastOffset = Math.max(lastOffset, offset);
    if (lateness === 'too-late') {
      plan.tooLate.push(record);
      continue;
    }
    const key = deviceKey(reading.tenantId, reading.deviceId);
    const stored = input.devices.get(key) ?? { appliedOffset: -1, windows: new Map<number, StoredWindow>() };
    if (offset <= stored.appliedOffset) {
      plan.replayed++;
      continue;
    }
    let entry = changed.get(key);
    if (!entry) {
      entry = {
        update: { tenantId: reading.tenantId, deviceId: reading.deviceId, expectedOffset: stored.appliedOffset, appliedOffset: offset, windows: [] },
        windows: new Map(stored.windows),
      };
      changed.set(key, entry);
    }
    const window = entry.windows.get(windowStart) ?? { state: WindowAccumulator.empty(ts, windowMs) };
    WindowAccumulator.add(window.state, reading, offset, window.emittedRevision, record.traceparent);
    // Once changed in this batch, the next change of it belongs to the same revision.
    entry.windows.set(windowStart, { state: window.state });
    entry.update.appliedOffset = offset;
    if (!entry.update.windows.includes(window.state)) entry.update.windows.push(window.state);
    plan.applied++;
    if (lateness === 'late') plan.late++;
  }
  plan.updates = [...changed.values()].map((e) => e.update);
  plan.end = { watermark, offset: lastOffset };
  return plan;
}
