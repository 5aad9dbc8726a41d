/**
 * One tag model for the platform (docs/decisions/0107). A device's registry tags are strings
 * (`fleet-a`, `site:ams`); readings carry them from ingest. Where a tag is written as a
 * key/value map (a geofence's `target.tags`, a subscription's filter), `{"site": "ams"}` means
 * the tag string `site:ams`. A target applies to every device when it lists nothing, otherwise
 * to a device it lists by id or that carries every tag it lists, the same in rules and geo.
 */

/** The longest tag list a reading may carry, and the longest tag (the registry's own limits). */
export const READING_TAG_LIMITS = { maxTags: 50, maxTag: 64 } as const;

/** The tag strings a key/value map stands for: `{"site": "ams"}` -> `["site:ams"]`. */
export function tagStrings(tags: Readonly<Record<string, string>> | readonly string[] | undefined): string[] {
  if (tags === undefined) return [];
  if (Array.isArray(tags)) return [...(tags as readonly string[])];
  return Object.entries(tags as Readonly<Record<string, string>>).map(([k, v]) => `${k}:${v}`);
}

export interface DeviceTarget {
  deviceIds?: readonly string[];
  tags?: Readonly<Record<string, string>> | readonly string[];
}

/** Whether a target applies to a device with these tags (`undefined` when they are not known). */
export function targetsDevice(target: DeviceTarget | undefined, deviceId: string, deviceTags: readonly string[] | undefined): boolean {
  const ids = target?.deviceIds ?? [];
  const required = tagStrings(target?.tags);
  if (ids.length === 0 && required.length === 0) return true;
  if (ids.includes(deviceId)) return true;
  return required.length > 0 && deviceTags !== undefined && required.every((tag) => deviceTags.includes(tag));
}

/** Whether a target can only be decided with the device's tags. */
export function targetNeedsTags(target: DeviceTarget | undefined): boolean {
  return tagStrings(target?.tags).length > 0;
}

/** The tags a reading event carries, or undefined when it carries none or they are malformed. */
export function parseReadingTags(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > READING_TAG_LIMITS.maxTags) throw new Error(`reading event tags must be a list of at most ${READING_TAG_LIMITS.maxTags} strings`);
  for (const tag of value) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > READING_TAG_LIMITS.maxTag) throw new Error(`reading event tags must be strings of 1-${READING_TAG_LIMITS.maxTag} characters`);
  }
  return value as string[];
}
