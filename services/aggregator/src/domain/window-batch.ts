import type { TelemetryReading } from '@geopulse/contracts';
import { classify, isClosed, progressBefore, type LatenessBounds, type StoredProgress } from './device-progress';
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
  /** Last revision sent; undefined while the window's current revision was not sent. */
  emittedRevision?: number;
}

/** What the live store holds for one device on this partition. */
export interface StoredDeviceWindows {
  /** Highest offset of this partition already folded into the device's windows; -1 for none. */
  appliedOffset: number;
  /** The device's own event-time progress (two marks, see device-progress.ts). */
  progress: StoredProgress;
  /** Its windows not yet emitted and dropped (open ones, and closed ones a crash left behind). */
  windows: Map<number, StoredWindow>;
  /**
   * Newest end of a window emitted and dropped from the live store: an older window missing
   * from `windows` may have been emitted, and its revisions continue from the archive.
   * Infinity when the store has no record of the device (new, or expired after its silence).
   */
  droppedUpTo: number;
  /** Emitted windows read back from the archive for this batch (their last sent revision and content). */
  archived?: Map<number, WindowState>;
  /** The store's opaque version of this record, checked when the update is written. */
  version?: string;
}

/** One device's change: written atomically, and only if the stored version is still `expectedVersion`. */
export interface DeviceWindowUpdate {
  tenantId: string;
  deviceId: string;
  expectedVersion?: string;
  appliedOffset: number;
  progress: StoredProgress;
  /** Windows the batch changed. */
  windows: WindowState[];
}

/** A window of one device: sent as an aggregate, or dropped from the live store once sent. */
export interface WindowEmission {
  tenantId: string;
  deviceId: string;
  state: WindowState;
}

/** Why a reading cannot revise its window any more. */
export type TooLateReason = 'behind-device' | 'past-history';

export interface WindowBatchPlan<T> {
  updates: DeviceWindowUpdate[];
  /**
   * Windows the batch's devices closed, each as it was when its device's progress closed it;
   * late changes go out when the device's progress next moves on (else the idle tick sends
   * them), so revisions do not depend on where batch boundaries fall.
   */
  emissions: WindowEmission[];
  /** Windows in the live store closed and sent in their current revision: dropped from it once sent. */
  closed: WindowEmission[];
  tooLate: Array<{ record: PartitionReading<T>; reason: TooLateReason }>;
  /** Readings folded into windows, of which `late` went into already closed ones. */
  applied: number;
  late: number;
  /** Readings already folded in by an earlier delivery (a replay after a crash or rebalance). */
  replayed: number;
  /** Readings whose id the window had counted already (sent twice as two records). */
  duplicates: number;
}

export interface WindowBounds extends LatenessBounds {
  windowMs: number;
  /**
   * How long the archive keeps a window after its end: a reading that arrived (ingest's
   * `receivedAt`) later than that after its window's end could not continue its revisions.
   */
  archiveMs: number;
}

export const deviceKey = (tenantId: string, deviceId: string): string => `${tenantId}\u0000${deviceId}`;

export const NO_DEVICE_WINDOWS: Omit<StoredDeviceWindows, 'windows'> = {
  appliedOffset: -1,
  progress: { confirmed: { eventTime: null, offset: -1 }, provisional: { eventTime: null, offset: -1 } },
  droppedUpTo: Infinity,
};

/**
 * Whether a reading for the window at `windowStart` must first read the window back from the
 * archive: a known device's window it emitted and dropped; for a device the live store does
 * not know, only a window at least `forgetMs` (the live record's lifetime after the device's
 * last reading) older than the reading's arrival, since a newer one cannot have been emitted
 * before the device's record expired. So a new device's live readings need no archive read.
 */
export function needsArchive(stored: StoredDeviceWindows, windowStart: number, windowMs: number, receivedAtMs: number, forgetMs: number): boolean {
  if (stored.windows.has(windowStart)) return false;
  if (stored.droppedUpTo === Infinity) return windowStart + forgetMs <= receivedAtMs;
  return windowStart + windowMs <= stored.droppedUpTo;
}

interface DeviceEntry {
  stored: StoredDeviceWindows;
  update: DeviceWindowUpdate;
  windows: Map<number, StoredWindow>;
  /** Starts of the windows in the live store after the batch (stored there, or changed). */
  live: Set<number>;
  progress: number | null;
  lastOffset: number;
}

/**
 * Folds one partition batch (in offset order) into the devices' windows. Each reading is judged
 * against its own device's progress before it, which depends only on that device's readings
 * before it in the partition: so a replay judges it exactly as the first delivery did, and
 * other devices' clocks never matter. Readings at or below a device's applied offset are not
 * counted again.
 */
export function planWindowBatch<T>(input: {
  records: ReadonlyArray<PartitionReading<T>>;
  devices: ReadonlyMap<string, StoredDeviceWindows>;
  bounds: WindowBounds;
}): WindowBatchPlan<T> {
  const { records, bounds } = input;
  const { windowMs, outOfOrdernessMs } = bounds;
  const firstOffset = records.length > 0 ? records[0].offset : Number.MAX_SAFE_INTEGER;
  const entries = new Map<string, DeviceEntry>();
  const plan: WindowBatchPlan<T> = { updates: [], emissions: [], closed: [], tooLate: [], applied: 0, late: 0, replayed: 0, duplicates: 0 };

  const entryOf = (reading: TelemetryReading): DeviceEntry => {
    const key = deviceKey(reading.tenantId, reading.deviceId);
    let entry = entries.get(key);
    if (entry) return entry;
    const stored = input.devices.get(key) ?? { ...NO_DEVICE_WINDOWS, windows: new Map<number, StoredWindow>() };
    const { start, confirmed } = progressBefore(stored.progress, firstOffset);
    const windows = new Map([...stored.windows].map(([s, w]) => [s, { ...w }]));
    for (const [s, state] of stored.archived ?? []) if (!windows.has(s)) windows.set(s, { state: structuredClone(state), emittedRevision: state.revision });
    entry = {
      stored,
      windows,
      live: new Set(stored.windows.keys()),
      progress: start.eventTime,
      lastOffset: start.offset,
      update: {
        tenantId: reading.tenantId,
        deviceId: reading.deviceId,
        expectedVersion: stored.version,
        appliedOffset: stored.appliedOffset,
        progress: { confirmed, provisional: start },
        windows: [],
      },
    };
    entries.set(key, entry);
    return entry;
  };

  /** Emits the device's closed windows whose current revision was not sent, oldest first. */
  const emitClosed = (entry: DeviceEntry) => {
    const due = [...entry.windows]
      .filter(([, w]) => isClosed(w.state.end, entry.progress, outOfOrdernessMs))
      .filter(([, w]) => w.emittedRevision === undefined || w.emittedRevision < w.state.revision)
      .sort(([a], [b]) => a - b);
    for (const [, w] of due) {
      plan.emissions.push({ tenantId: entry.update.tenantId, deviceId: entry.update.deviceId, state: structuredClone(w.state) });
      w.emittedRevision = w.state.revision;
    }
  };

  for (const record of records) {
    const { reading, offset } = record;
    const entry = entryOf(reading);
    const ts = Date.parse(reading.ts);
    const windowStart = windowStartOf(ts, windowMs);
    const windowEnd = windowStart + windowMs;
    const lateness = classify(windowEnd, entry.progress, bounds);
    entry.lastOffset = offset;
    if (windowEnd + bounds.archiveMs <= Date.parse(reading.receivedAt)) {
      plan.tooLate.push({ record, reason: 'past-history' });
    } else if (lateness === 'too-late') {
      plan.tooLate.push({ record, reason: 'behind-device' });
    } else if (offset <= entry.stored.appliedOffset) {
      plan.replayed++;
    } else {
      const window = entry.windows.get(windowStart) ?? { state: WindowAccumulator.empty(ts, windowMs) };
      entry.update.appliedOffset = offset;
      if (WindowAccumulator.add(window.state, reading, offset, window.emittedRevision, record.traceparent)) {
        entry.windows.set(windowStart, window);
        entry.live.add(windowStart);
        if (!entry.update.windows.includes(window.state)) entry.update.windows.push(window.state);
        plan.applied++;
        // A late change is sent when the device's own time next moves on, or once the window has
        // been quiet for the idle time: a backfill becomes one revision, not one per reading.
        if (lateness === 'late') plan.late++;
      } else {
        plan.duplicates++;
      }
    }
    if (entry.progress === null || ts > entry.progress) {
      entry.progress = ts;
      emitClosed(entry);
    }
  }

  for (const entry of entries.values()) {
    entry.update.progress = { confirmed: entry.update.progress.confirmed, provisional: { eventTime: entry.progress, offset: entry.lastOffset } };
    plan.updates.push(entry.update);
    for (const [s, w] of entry.windows) {
      if (entry.live.has(s) && w.emittedRevision === w.state.revision && isClosed(w.state.end, entry.progress, outOfOrdernessMs)) plan.closed.push({ tenantId: entry.update.tenantId, deviceId: entry.update.deviceId, state: w.state });
    }
  }
  return plan;
}
