import type { Geofence } from '@geopulse/contracts';
import { closeVisit, reconsiderVisit, uncertaintyBand } from '../domain/membership';
import type { FenceShape } from '../domain/fence-shape';
import { commitChanges, type DeviceChange } from './commit-changes';
import type { Clock, MembershipStore, OutgoingTransition, TransitionPublisher } from './ports';

/**
 * A fence was deleted or changed while devices were inside. Each device's partition owner
 * acts at once, at the device's last known position: deletion closes the visit (EXIT,
 * `fence-deleted`); a change closes it if the device is now certainly outside
 * (`fence-changed`) or no longer targeted (`fence-retargeted`). Devices on partitions nobody
 * owns at that moment (a rebalance) get the same answer with their next reading or timer.
 * A fence that grows over a parked device is entered with that device's next reading.
 */
export class ReconsiderVisitors {
  constructor(
    private readonly store: MembershipStore,
    private readonly publisher: TransitionPublisher,
    private readonly clock: Clock,
    private readonly minHysteresisMeters: number,
  ) {}

  async execute(tenantId: string, fenceId: string, change: { deleted: true } | { deleted: false; fence: Geofence; shape: FenceShape }, ownedPartitions: readonly number[]): Promise<OutgoingTransition[]> {
    const owned = new Set(ownedPartitions);
    const visitors = (await this.store.visitors(tenantId, fenceId)).filter((v) => owned.has(v.partition));
    if (visitors.length === 0) return [];
    const states = await this.store.load(tenantId, visitors.map((v) => v.deviceId));
    const now = this.clock();
    const transitions: OutgoingTransition[] = [];
    const changes: DeviceChange[] = [];
    for (const device of visitors) {
      const previous = states.get(device.deviceId);
      if (!previous?.visits[fenceId]) continue;
      const result = change.deleted
        ? closeVisit(previous, fenceId, 'fence-deleted', now)
        : reconsiderVisit(device.deviceId, previous, change.fence, change.shape.observe(previous.position, uncertaintyBand(previous.position, this.minHysteresisMeters)), now);
      if (result.state === previous) continue;
      for (const transition of result.transitions) transitions.push({ tenantId, deviceId: device.deviceId, transition });
      changes.push({ device, previous, next: result.state });
    }
    await commitChanges(this.store, this.publisher, transitions, changes);
    return transitions;
  }
}
