import type { Geofence } from '@geopulse/contracts';
import { closeVisit } from '../domain/membership';
import { commitChanges, type DeviceChange } from './commit-changes';
import type { Clock, MembershipStore, OutgoingTransition, TransitionPublisher } from './ports';

/**
 * A fence was deleted while devices were inside: each device's partition owner emits EXIT
 * (`fence-deleted`) at once, at the device's last known position. Devices on partitions
 * nobody owns at that moment (a rebalance) get the same EXIT with their next reading or
 * DWELL timer.
 */
export class ExitRemovedFence {
  constructor(
    private readonly store: MembershipStore,
    private readonly publisher: TransitionPublisher,
    private readonly clock: Clock,
  ) {}

  async execute(tenantId: string, fence: Geofence, ownedPartitions: readonly number[]): Promise<OutgoingTransition[]> {
    const owned = new Set(ownedPartitions);
    const visitors = (await this.store.visitors(tenantId, fence.id)).filter((v) => owned.has(v.partition));
    if (visitors.length === 0) return [];
    const states = await this.store.load(tenantId, visitors.map((v) => v.deviceId));
    const now = this.clock();
    const transitions: OutgoingTransition[] = [];
    const changes: DeviceChange[] = [];
    for (const device of visitors) {
      const previous = states.get(device.deviceId);
      if (!previous?.visits[fence.id]) continue;
      const closed = closeVisit(previous, fence.id, 'fence-deleted', now);
      for (const transition of closed.transitions) transitions.push({ tenantId, deviceId: device.deviceId, transition });
      changes.push({ device, previous, next: closed.state });
    }
    await commitChanges(this.store, this.publisher, transitions, changes);
    return transitions;
  }
}
