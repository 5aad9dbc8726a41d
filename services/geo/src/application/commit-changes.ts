import type { DeviceGeoState } from '../domain/membership';
import type { DeviceRef, MembershipStore, OutgoingTransition, TransitionPublisher } from './ports';

export interface DeviceChange {
  device: DeviceRef;
  previous: DeviceGeoState | undefined;
  next: DeviceGeoState;
}

/**
 * Transitions first, state second. A crash between the two replays the same readings
 * against the same stored state, which yields the same transitions with the same event ids
 * (at-least-once, duplicates recognisable by `ce_id`); the reverse order could lose them.
 * Once the state is stored, a replayed reading is at or before `lastTs` and changes nothing.
 */
export async function commitChanges(
  store: MembershipStore,
  publisher: TransitionPublisher,
  transitions: readonly OutgoingTransition[],
  changes: readonly DeviceChange[],
): Promise<void> {
  if (transitions.length > 0) await publisher.publish(transitions);
  const results = await Promise.all(changes.map((c) => store.save(c.device, c.previous, c.next)));
  const lost = results.filter((ok) => !ok).length;
  // Another writer moved a device meanwhile (a rebalance's previous owner): retry the batch.
  if (lost > 0) throw new Error(`${lost} device state(s) changed concurrently; retrying`);
}
