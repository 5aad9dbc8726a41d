import { targetNeedsTags, targetsDevice, type RuleTarget } from '@geopulse/contracts';
import type { DeviceInfo } from './evaluation';

/** Does a rule's target include a device: the one target rule of docs/decisions/0107 (all devices when empty, else a listed id or every listed tag). */
export function targets(target: RuleTarget, device: DeviceInfo): boolean {
  return targetsDevice(target, device.id, device.tags);
}

/** True when deciding the target needs the device's tags. */
export function needsDeviceTags(target: RuleTarget): boolean {
  return targetNeedsTags(target);
}
