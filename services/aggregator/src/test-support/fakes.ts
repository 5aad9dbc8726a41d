/** In-memory fakes of the aggregator service's ports, shared by its use-case specs (not part of the build). */
import type { TelemetryAggregate } from '@geopulse/contracts';
import { deviceKey, NO_DEVICE_WINDOWS, type DeviceWindowUpdate, type StoredDeviceWindows } from '../domain/window-batch';
import type { WindowState } from '../domain/window-accumulator';
import { archivedWindowKey, WindowConflictError, type DueWindow, type PartitionRef, type WindowArchive, type WindowRef, type WindowStore } from '../application/aggregate-windows';

/** The live store's contract in memory (one partition's view is enough here). */
export class MemoryWindowStore implements WindowStore {
  devices = new Map<string, { tenantId: string; deviceId: string; stored: StoredDeviceWindows }>();
  /** `deviceKey|start` -> idle deadline. */
  pending = new Map<string, number>();
  conflictOnce = false;

  async loadDevices(_ref: PartitionRef, devices: ReadonlyArray<{ tenantId: string; deviceId: string }>) {
    const out = new Map<string, StoredDeviceWindows>();
    for (const d of devices) {
      const held = this.devices.get(deviceKey(d.tenantId, d.deviceId));
      out.set(deviceKey(d.tenantId, d.deviceId), held ? structuredClone(held.stored) : { ...NO_DEVICE_WINDOWS, windows: new Map(), version: '' });
    }
    return out;
  }
  async applyUpdates(_ref: PartitionRef, updates: readonly DeviceWindowUpdate[], idleDeadline: number) {
    if (this.conflictOnce) {
      this.conflictOnce = false;
      throw new WindowConflictError(updates.map((u) => u.deviceId));
    }
    for (const u of updates) {
      const key = deviceKey(u.tenantId, u.deviceId);
      const held = this.devices.get(key) ?? { tenantId: u.tenantId, deviceId: u.deviceId, stored: { ...NO_DEVICE_WINDOWS, droppedUpTo: -Infinity, windows: new Map() } };
      for (const w of u.windows) {
        held.stored.windows.set(w.start, { state: structuredClone(w) });
        this.pending.set(`${key}|${w.start}`, idleDeadline);
      }
      held.stored = { ...held.stored, appliedOffset: u.appliedOffset, progress: u.progress, version: String(Number(held.stored.version ?? 0) + 1) };
      this.devices.set(key, held);
    }
  }
  async idleWindows(_ref: PartitionRef, deadline: number): Promise<DueWindow[]> {
    const due: DueWindow[] = [];
    for (const [key, at] of this.pending) {
      const [device, start] = key.split('|');
      const held = this.devices.get(device)!;
      if (at <= deadline) due.push({ tenantId: held.tenantId, deviceId: held.deviceId, state: held.stored.windows.get(Number(start))!.state });
    }
    return due;
  }
  async dropEmitted(_ref: PartitionRef, windows: readonly DueWindow[]) {
    for (const w of windows) {
      const key = deviceKey(w.tenantId, w.deviceId);
      const held = this.devices.get(key)!;
      if (JSON.stringify(held.stored.windows.get(w.state.start)?.state) !== JSON.stringify(w.state)) continue;
      held.stored.windows.delete(w.state.start);
      held.stored.droppedUpTo = Math.max(held.stored.droppedUpTo, w.state.end);
      this.pending.delete(`${key}|${w.state.start}`);
    }
  }
}

/** The archive: newest revision of each window. */
export class MemoryArchive implements WindowArchive {
  windows = new Map<string, WindowState>();
  loads = 0;
  async saveAggregates(list: ReadonlyArray<{ aggregate: TelemetryAggregate; state: WindowState }>) {
    for (const { aggregate, state } of list) this.windows.set(archivedWindowKey({ tenantId: aggregate.tenantId, deviceId: aggregate.deviceId, start: state.start }), structuredClone(state));
  }
  async loadWindows(refs: readonly WindowRef[]) {
    this.loads++;
    return new Map(refs.filter((r) => this.windows.has(archivedWindowKey(r))).map((r) => [archivedWindowKey(r), structuredClone(this.windows.get(archivedWindowKey(r))!)]));
  }
}
