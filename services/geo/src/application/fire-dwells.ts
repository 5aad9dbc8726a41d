import { closeVisit, deviceTimeAt, fireDueDwells, type DeviceGeoState, type Transition } from '../domain/membership';
import { commitChanges, type DeviceChange } from './commit-changes';
import type { GeofenceCatalog } from './geofence-catalog';
import type { Clock, DueDwell, MembershipStore, OutgoingTransition, TransitionPublisher } from './ports';

/**
 * The DWELL timer of the partitions this replica owns: fires due DWELLs of devices that
 * send nothing more (at the due event time, at the last known position). Visits of fences
 * that no longer exist are closed on the way (EXIT, `fence-deleted`).
 */
export class FireDwells {
  constructor(
    private readonly catalog: GeofenceCatalog,
    private readonly store: MembershipStore,
    private readonly publisher: TransitionPublisher,
    private readonly clock: Clock,
  ) {}

  async execute(partitions: readonly number[]): Promise<OutgoingTransition[]> {
    if (partitions.length === 0 || !this.catalog.loaded()) return [];
    const now = this.clock();
    const dues = await this.store.dueDwells(partitions, now, 500);
    if (dues.length === 0) return [];
    const byDevice = new Map<string, DueDwell[]>();
    for (const d of dues) {
      const key = JSON.stringify([d.tenantId, d.deviceId]);
      byDevice.set(key, [...(byDevice.get(key) ?? []), d]);
    }
    const transitions: OutgoingTransition[] = [];
    const changes: DeviceChange[] = [];
    const postpone: Array<{ dwell: DueDwell; at: number }> = [];
    const clear: DueDwell[] = [];
    for (const items of byDevice.values()) {
      const { tenantId, deviceId, partition } = items[0];
      const previous = (await this.store.load(tenantId, [deviceId])).get(deviceId);
      if (!previous) {
        clear.push(...items);
        continue;
      }
      // Timers of visits still waiting by the device's own time move to when they will be due.
      const deviceNow = deviceTimeAt(previous, now);
      for (const d of items) {
        const visit = previous.visits[d.fenceId];
        if (visit && !visit.dwelled && visit.dwellAt === d.dwellAt && d.dwellAt > deviceNow) postpone.push({ dwell: d, at: now + (d.dwellAt - deviceNow) });
        else clear.push(d);
      }
      let state: DeviceGeoState = previous;
      const fired: Transition[] = [];
      for (const fenceId of Object.keys(state.visits)) {
        if (this.catalog.index.get(tenantId, fenceId)) continue;
        const closed = closeVisit(state, fenceId, 'fence-deleted', now);
        state = closed.state;
        fired.push(...closed.transitions);
      }
      const dwell = fireDueDwells(state, now);
      state = dwell.state;
      fired.push(...dwell.transitions);
      if (state === previous) continue;
      for (const transition of fired) transitions.push({ tenantId, deviceId, transition });
      changes.push({ device: { tenantId, deviceId, partition }, previous, next: state });
    }
    await commitChanges(this.store, this.publisher, transitions, changes);
    await this.store.postponeDwells(postpone);
    await this.store.clearDwells(clear);
    return transitions;
  }
}
