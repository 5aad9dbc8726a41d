import type { RuleTarget } from '@geopulse/contracts';
import type { DeviceInfo } from './evaluation';

/** Does a rule's target include a device: all devices when empty, else listed ids or matching tags. */
export function targets(target: RuleTarget, device: DeviceInfo): boolean {
  const ids = target.deviceIds ?? [];
  const tags = target.tags ?? [];
  if (ids.length === 0 && tags.length === 0) return true;
  if (ids.includes(device.id)) return true;
  return tags.length > 0 && tags.every((tag) => device.tags.includes(tag));
}

/** True when deciding the target needs the device's registry tags. */
export function needsDeviceTags(target: RuleTarget): boolean {
  return (target.tags ?? []).length > 0;
}
