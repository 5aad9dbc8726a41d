import type { RuleTarget } from '@geopulse/contracts';
import type { DeviceInfo } from './evaluation';

/** Does a rule's target include a device: all devices when empty, else listed ids or matching tags. */
export function targets(target: RuleTarget, device: DeviceInfo): boolean {
  const ids = target.deviceIds ?? [];
  const tags = Object.entries(target.tags ?? {});
  if (ids.length === 0 && tags.length === 0) return true;
  if (ids.includes(device.id)) return true;
  return tags.length > 0 && tags.every(([key, value]) => device.tags[key] === value);
}

/** True when the target can be decided without the registry (no tags involved). */
export function needsDeviceTags(target: RuleTarget): boolean {
  return Object.keys(target.tags ?? {}).length > 0;
}
