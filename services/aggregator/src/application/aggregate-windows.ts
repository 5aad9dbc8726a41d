import type { TelemetryAggregate } from '@geopulse/contracts';
import { idleWatermark, type StoredWatermark } from '../domain/partition-watermark';
import { planWindowBatch, type DeviceWindowUpdate, type PartitionReading, type StoredDeviceWindows } from '../domain/window-batch';
import { WindowAccumulator, type WindowState } from '../domain/window-accumulator';
import type { Clock } from './apply-readings';
import type { HistoryStore } from './history';

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface DueWindow {
  tenantId: string;
  deviceId: string;
  state: WindowState;
}

/** Port: window state, applied offsets and partition watermarks outside the process. */
export interface WindowStore {
  loadWatermark(ref: PartitionRef): Promise<StoredWatermark>;
  saveWatermark(ref: PartitionRef, stored: StoredWatermark): Promise<void>;
  loadDevices(ref: PartitionRef, devices: ReadonlyArray<{ tenantId: string; deviceId: string }>): Promise<Map<string, StoredDeviceWindows>>;
  /** Writes each device's windows and applied offset atomically; throws WindowConflictError if another writer moved it. */
  applyUpdates(ref: PartitionRef, updates: readonly DeviceWindowUpdate[]): Promise<void>;
  /** Windows of this partition whose end the watermark passed and whose latest revision was not sent. */
  dueWindows(ref: PartitionRef, watermark: number): Promise<DueWindow[]>;
  markEmitted(ref: PartitionRef, windows: readonly DueWindow[]): Promise<void>;
  /** Forgets windows ending at or before `end` (past their allowed lateness: nothing can change them any more). */
  dropFinished(ref: PartitionRef, end: number): Promise<void>;
}

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
  tooLate: T[];
  applied: number;
  late: number;
  replayed: number;
  duplicates: number;
  emitted: { first: number; revisions: number };
}

export interface WindowSettings {
  windowMs: number;
  allowedLatenessMs: number;
  idlePartitionMs: number;
}

/**
 * Tumbling event-time windows per device over the telemetry partitions. Per partition one
 * thing at a time (a batch or an idle tick): read the watermark and the devices' windows,
 * plan in the domain, write each device atomically with its applied offset, emit the windows
 * the watermark closed (DynamoDB history, then Kafka), then record the watermark. Offsets are committed by the consumer only
 * after all of it, so a crash anywhere replays the batch and the applied offsets keep every
 * reading counted once (docs/decisions/0201).
 */
export class AggregateWindows {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly lastRecord = new Map<string, { watermark: number | null; at: number }>();

  constructor(
    private readonly store: WindowStore,
    private readonly publisher: AggregatePublisher,
    private readonly history: Pick<HistoryStore, 'saveAggregates'>,
    private readonly settings: WindowSettings,
    private readonly clock: Clock,
  ) {}

  async processBatch<T>(ref: PartitionRef, records: ReadonlyArray<PartitionReading<T>>): Promise<WindowBatchOutcome<T>> {
    return this.serially(ref, async () => {
      const stored = await this.store.loadWatermark(ref);
      const keys = new Map(records.map((r) => [`${r.reading.tenantId}\u0000${r.reading.deviceId}`, { tenantId: r.reading.tenantId, deviceId: r.reading.deviceId }]));
      const devices = await this.store.loadDevices(ref, [...keys.values()]);
      const plan = planWindowBatch({ records, stored, devices, windowMs: this.settings.windowMs, allowedLatenessMs: this.settings.allowedLatenessMs });
      await this.store.applyUpdates(ref, plan.updates);
      const emitted = await this.emitClosed(ref, plan.end.watermark, plan.emissions);
      await this.store.saveWatermark(ref, { confirmed: plan.confirmed, provisional: plan.end });
      this.lastRecord.set(refKey(ref), { watermark: plan.end.watermark, at: this.clock() });
      return { tooLate: plan.tooLate.map((r) => r.ref), applied: plan.applied, late: plan.late, replayed: plan.replayed, duplicates: plan.duplicates, emitted };
    });
  }

  /**
   * For the partitions this replica owns: a partition without records for the idle time gets
   * its watermark moved on with the clock, so its last windows close.
   */
  async tickIdle(owned: readonly PartitionRef[]): Promise<{ first: number; revisions: number }> {
    const total = { first: 0, revisions: 0 };
    const ownedKeys = new Set(owned.map(refKey));
    for (const key of [...this.lastRecord.keys()]) if (!ownedKeys.has(key)) this.lastRecord.delete(key);
    for (const ref of owned) {
      const emitted = await this.serially(ref, async () => {
        const now = this.clock();
        const last = this.lastRecord.get(refKey(ref));
        const stored = await this.store.loadWatermark(ref);
        if (!last) {
          // Newly owned: count idleness from now, from the stored watermark.
          this.lastRecord.set(refKey(ref), { watermark: stored.provisional.watermark, at: now });
          return { first: 0, revisions: 0 };
        }
        const watermark = idleWatermark(last.watermark, last.at, now, this.settings.idlePartitionMs);
        if (watermark === null || (stored.provisional.watermark !== null && watermark <= stored.provisional.watermark)) return { first: 0, revisions: 0 };
        const counts = await this.emitClosed(ref, watermark);
        await this.store.saveWatermark(ref, { confirmed: stored.confirmed, provisional: { watermark, offset: stored.provisional.offset } });
        return counts;
      });
      total.first += emitted.first;
      total.revisions += emitted.revisions;
    }
    return total;
  }

  /**
   * Sends the windows the batch closed (as they were when closed), then every window of the
   * partition the watermark has passed whose latest revision was not sent yet, and marks them.
   */
  private async emitClosed(ref: PartitionRef, watermark: number | null, closedInBatch: readonly DueWindow[] = []): Promise<{ first: number; revisions: number }> {
    if (watermark === null) return { first: 0, revisions: 0 };
    const due = await this.store.dueWindows(ref, watermark);
    const id = (w: DueWindow) => `${w.tenantId}\u0000${w.deviceId}\u0000${w.state.start}\u0000${w.state.revision}`;
    const sent = new Set(closedInBatch.map(id));
    const outgoing = [...closedInBatch, ...due.filter((w) => !sent.has(id(w)))];
    if (outgoing.length > 0) {
      const aggregates = outgoing.map((w) => ({ aggregate: WindowAccumulator.toAggregate(w.state, w.tenantId, w.deviceId), traceparent: w.state.traceparent }));
      await this.history.saveAggregates(aggregates.map((a) => a.aggregate));
      await this.publisher.publish(aggregates);
    }
    if (due.length > 0) await this.store.markEmitted(ref, due);
    await this.store.dropFinished(ref, watermark - this.settings.allowedLatenessMs);
    const revisions = outgoing.filter((w) => w.state.revision > 0).length;
    return { first: outgoing.length - revisions, revisions };
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
