import type { TelemetryAggregate } from '@geopulse/contracts';
import { deviceKey, needsArchive, planWindowBatch, type DeviceWindowUpdate, type PartitionReading, type StoredDeviceWindows, type TooLateReason, type WindowBounds, type WindowEmission } from '../domain/window-batch';
import { WindowAccumulator, windowStartOf, type WindowState } from '../domain/window-accumulator';
import type { Clock } from './apply-readings';

export interface PartitionRef {
  topic: string;
  partition: number;
}

export type DueWindow = WindowEmission;

/** A window to look up in the archive. */
export interface WindowRef {
  tenantId: string;
  deviceId: string;
  start: number;
}

/** Port: the devices' live window state, applied offsets and event-time progress, outside the process. */
export interface WindowStore {
  loadDevices(ref: PartitionRef, devices: ReadonlyArray<{ tenantId: string; deviceId: string }>): Promise<Map<string, StoredDeviceWindows>>;
  /**
   * Writes each device's windows, applied offset and progress atomically; the changed windows
   * become due for emission at `idleDeadline` unless sent before. Throws WindowConflictError if
   * another writer changed a device since it was read.
   */
  applyUpdates(ref: PartitionRef, updates: readonly DeviceWindowUpdate[], idleDeadline: number): Promise<void>;
  /** Windows of this partition not sent since their last change that were untouched until `deadline` (their device went silent). */
  idleWindows(ref: PartitionRef, deadline: number): Promise<DueWindow[]>;
  /** Removes sent windows from the live store (each only if unchanged since), remembering how far its device dropped. */
  dropEmitted(ref: PartitionRef, windows: readonly DueWindow[]): Promise<void>;
}

/** Port: where emitted windows are kept (DynamoDB, newest revision per window, with its full state) and read back to revise them. */
export interface WindowArchive {
  saveAggregates(windows: ReadonlyArray<{ aggregate: TelemetryAggregate; state: WindowState }>): Promise<void>;
  /** The archived state of each window found, by `deviceKey|start`. */
  loadWindows(windows: readonly WindowRef[]): Promise<Map<string, WindowState>>;
}

export const archivedWindowKey = (w: WindowRef): string => `${deviceKey(w.tenantId, w.deviceId)}|${w.start}`;

/** Port: where closed windows go (the aggregates topic). */
export interface AggregatePublisher {
  publish(aggregates: ReadonlyArray<{ aggregate: TelemetryAggregate; traceparent?: string }>): Promise<void>;
}

/** Another writer changed a device's windows since they were read: the batch is retried. */
export class WindowConflictError extends Error {
  constructor(devices: string[]) {
    super(`windows of ${devices.length} device(s) changed concurrently (e.g. ${devices[0]}); batch will be retried`);
    this.name = 'WindowConflictError';
  }
}

export interface WindowBatchOutcome<T> {
  tooLate: Array<{ ref: T; reason: TooLateReason }>;
  applied: number;
  late: number;
  replayed: number;
  duplicates: number;
  /** Windows read back from the archive to be revised. */
  restored: number;
  emitted: { first: number; revisions: number };
}

export interface WindowSettings extends WindowBounds {
  /** Wall-clock silence after which a device's windows close. */
  deviceIdleMs: number;
  /** Silence after which the live store forgets a device (its record expires). */
  silentHorizonMs: number;
}

/**
 * Tumbling event-time windows per device over the telemetry partitions (docs/decisions/0204).
 * Per partition one thing at a time (a batch or an idle tick): read the batch's devices (their
 * open windows and progress), read back from the archive the emitted windows late readings
 * revise, plan in the domain, write each device atomically with its applied offset, emit the
 * closed windows (archive, then Kafka), then drop them from the live store. Offsets are
 * committed by the consumer only after all of it, so a crash anywhere replays the batch and
 * the applied offsets keep every reading counted once (docs/decisions/0201).
 */
export class AggregateWindows {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Since when this replica owns each partition (idle closing waits one idle time after that). */
  private readonly ownedSince = new Map<string, number>();

  constructor(
    private readonly store: WindowStore,
    private readonly publisher: AggregatePublisher,
    private readonly archive: WindowArchive,
    private readonly settings: WindowSettings,
    private readonly clock: Clock,
  ) {}

  async processBatch<T>(ref: PartitionRef, records: ReadonlyArray<PartitionReading<T>>): Promise<WindowBatchOutcome<T>> {
    return this.serially(ref, async () => {
      const keys = new Map(records.map((r) => [deviceKey(r.reading.tenantId, r.reading.deviceId), { tenantId: r.reading.tenantId, deviceId: r.reading.deviceId }]));
      const devices = await this.store.loadDevices(ref, [...keys.values()]);
      const restored = await this.restoreArchived(records, devices);
      const plan = planWindowBatch({ records, devices, bounds: this.settings });
      await this.store.applyUpdates(ref, plan.updates, this.clock() + this.settings.deviceIdleMs);
      const emitted = await this.emit(plan.emissions);
      await this.store.dropEmitted(ref, plan.closed);
      return {
        tooLate: plan.tooLate.map((t) => ({ ref: t.record.ref, reason: t.reason })),
        applied: plan.applied,
        late: plan.late,
        replayed: plan.replayed,
        duplicates: plan.duplicates,
        restored,
        emitted,
      };
    });
  }

  /**
   * For the partitions this replica owns: windows whose device has been silent for the idle
   * time are sent and dropped, so a silent device's last window closes. A partition counts
   * only once it has been owned for the idle time (a new owner first replays what it missed).
   */
  async tickIdle(owned: readonly PartitionRef[]): Promise<{ first: number; revisions: number }> {
    const total = { first: 0, revisions: 0 };
    const now = this.clock();
    const ownedKeys = new Set(owned.map(refKey));
    for (const key of [...this.ownedSince.keys()]) if (!ownedKeys.has(key)) this.ownedSince.delete(key);
    for (const ref of owned) {
      const since = this.ownedSince.get(refKey(ref));
      if (since === undefined) this.ownedSince.set(refKey(ref), now);
      if (since === undefined || now - since < this.settings.deviceIdleMs) continue;
      const emitted = await this.serially(ref, async () => {
        const due = await this.store.idleWindows(ref, this.clock());
        const counts = await this.emit(due);
        await this.store.dropEmitted(ref, due);
        return counts;
      });
      total.first += emitted.first;
      total.revisions += emitted.revisions;
    }
    return total;
  }

  /** Puts the archived state of emitted windows that the batch's new readings revise next to the devices' live windows. */
  private async restoreArchived<T>(records: ReadonlyArray<PartitionReading<T>>, devices: Map<string, StoredDeviceWindows>): Promise<number> {
    const wanted = new Map<string, WindowRef>();
    for (const { reading, offset } of records) {
      const stored = devices.get(deviceKey(reading.tenantId, reading.deviceId));
      if (!stored || offset <= stored.appliedOffset) continue;
      const start = windowStartOf(Date.parse(reading.ts), this.settings.windowMs);
      const w = { tenantId: reading.tenantId, deviceId: reading.deviceId, start };
      if (needsArchive(stored, start, this.settings.windowMs, Date.parse(reading.receivedAt), this.settings.silentHorizonMs)) wanted.set(archivedWindowKey(w), w);
    }
    if (wanted.size === 0) return 0;
    const found = await this.archive.loadWindows([...wanted.values()]);
    for (const [key, state] of found) {
      const w = wanted.get(key)!;
      const stored = devices.get(deviceKey(w.tenantId, w.deviceId))!;
      stored.archived ??= new Map();
      stored.archived.set(w.start, state);
    }
    return found.size;
  }

  /** Archives, then sends, the windows (as given: a window may go out in several revisions). */
  private async emit(windows: readonly DueWindow[]): Promise<{ first: number; revisions: number }> {
    if (windows.length === 0) return { first: 0, revisions: 0 };
    const outgoing = windows.map((w) => ({ state: w.state, aggregate: WindowAccumulator.toAggregate(w.state, w.tenantId, w.deviceId), traceparent: w.state.traceparent }));
    await this.archive.saveAggregates(outgoing);
    await this.publisher.publish(outgoing);
    const revisions = windows.filter((w) => w.state.revision > 0).length;
    return { first: windows.length - revisions, revisions };
  }

  private serially<R>(ref: PartitionRef, work: () => Promise<R>): Promise<R> {
    const key = refKey(ref);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.queues.set(key, next);
    return next;
  }
}

const refKey = (ref: PartitionRef): string => `${ref.topic}\u0000${ref.partition}`;
