/** In-memory fakes of the geo service's ports, shared by its use-case specs (not part of the build). */
import type { Geofence } from '@geopulse/contracts';
import type { GeofenceRepository } from '../application/ports';
import type { DeviceGeoState } from '../domain/membership';
import type { DeviceRef, DueDwell, MembershipStore } from '../application/ports';

export class MemoryRepository implements GeofenceRepository {
  readonly rows = new Map<string, Geofence>();
  /** Runs while a scan is "in flight", to model changes that race with it. */
  duringScan?: () => void;
  async get(_t: string, id: string) {
    return this.rows.get(id);
  }
  async list() {
    return [...this.rows.values()];
  }
  async scanAll() {
    const snapshot = [...this.rows.values()];
    this.duringScan?.();
    return snapshot;
  }
  async put(f: Geofence) {
    this.rows.set(f.id, f);
  }
  async delete(_t: string, id: string) {
    return this.rows.delete(id);
  }
}

/** Membership store in memory, with the same compare-and-set and timer bookkeeping contract. */
export class MemoryStore implements MembershipStore {
  readonly states = new Map<string, DeviceGeoState>();
  readonly timers = new Map<string, { dwell: DueDwell; at: number }>();
  async load(_t: string, ids: readonly string[]) {
    return new Map(ids.filter((id) => this.states.has(id)).map((id) => [id, structuredClone(this.states.get(id)!)]));
  }
  async save(device: DeviceRef, previous: DeviceGeoState | undefined, next: DeviceGeoState) {
    if (this.states.get(device.deviceId)?.lastTs !== previous?.lastTs) return false;
    this.states.set(device.deviceId, structuredClone(next));
    for (const [fenceId, v] of Object.entries(next.visits)) {
      const key = `${device.deviceId}|${fenceId}|${v.dwellAt}`;
      if (v.dwellAt !== undefined && !v.dwelled && !this.timers.has(key)) this.timers.set(key, { dwell: { ...device, fenceId, dwellAt: v.dwellAt }, at: next.appliedAt + v.dwellAt - next.lastTs });
    }
    return true;
  }
  async visitors() {
    return [];
  }
  async dueDwells(partitions: readonly number[], now: number) {
    return [...this.timers.values()].filter((t) => t.at <= now && partitions.includes(t.dwell.partition)).map((t) => t.dwell);
  }
  async postponeDwells(dwells: ReadonlyArray<{ dwell: DueDwell; at: number }>) {
    for (const d of dwells) this.timers.set(`${d.dwell.deviceId}|${d.dwell.fenceId}|${d.dwell.dwellAt}`, d);
  }
  async clearDwells(dwells: readonly DueDwell[]) {
    for (const d of dwells) this.timers.delete(`${d.deviceId}|${d.fenceId}|${d.dwellAt}`);
  }
}
