import { ID_PATTERN, isRecord } from '@geopulse/contracts';

/** Scalar attribute values: what rules and geofences can compare. */
export type AttributeValue = string | number | boolean;

/** Metadata of one device key; the secret and its hash never appear here. */
export interface DeviceKeyInfo {
  keyId: string;
  createdAt: string;
  /** Set on a key replaced by a rotation: valid until then (the grace period). */
  expiresAt?: string;
}

/** A device of a tenant, as the registry stores it and the API shows it. */
export interface Device {
  tenantId: string;
  deviceId: string;
  name: string;
  tags: string[];
  attributes: Record<string, AttributeValue>;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** `sub` of the operator token that registered it (absent on devices stored before this was kept). */
  createdBy?: string;
  /** `sub` of the operator token that last changed it, its keys included. */
  updatedBy?: string;
  keys: DeviceKeyInfo[];
  /** Optimistic concurrency: every write checks and increments it. */
  version: number;
}

export interface DeviceFields {
  name?: string;
  tags?: string[];
  attributes?: Record<string, AttributeValue>;
  enabled?: boolean;
}

export interface FieldIssue {
  path: string;
  message: string;
}

export const DEVICE_LIMITS = { maxName: 200, maxTags: 50, maxTag: 64, maxAttributes: 50, maxAttributeString: 256 };
const TAG = /^[A-Za-z0-9][A-Za-z0-9._:/=-]{0,63}$/;
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Checks the editable fields of a device (create or PATCH body); every problem is listed
 * with its JSON-pointer path. `allowed` names the other keys the body may carry.
 */
export function checkDeviceFields(raw: unknown, allowed: readonly string[] = []): { fields: DeviceFields; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const fields: DeviceFields = {};
  if (!isRecord(raw)) return { fields, issues: [{ path: '', message: 'the body must be a JSON object' }] };
  for (const key of Object.keys(raw)) {
    if (!['name', 'tags', 'attributes', 'enabled', ...allowed].includes(key)) issues.push({ path: `/${key}`, message: 'is not a device field' });
  }
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'string' || raw.name.length > DEVICE_LIMITS.maxName) {
      issues.push({ path: '/name', message: `must be a string of at most ${DEVICE_LIMITS.maxName} characters` });
    } else fields.name = raw.name;
  }
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== 'boolean') issues.push({ path: '/enabled', message: 'must be true or false' });
    else fields.enabled = raw.enabled;
  }
  if (raw.tags !== undefined) {
    if (!Array.isArray(raw.tags) || raw.tags.length > DEVICE_LIMITS.maxTags) {
      issues.push({ path: '/tags', message: `must be an array of at most ${DEVICE_LIMITS.maxTags} tags` });
    } else {
      raw.tags.forEach((tag, i) => {
        if (typeof tag !== 'string' || !TAG.test(tag)) issues.push({ path: `/tags/${i}`, message: 'tags are 1-64 characters of letters, digits and . _ : / = -' });
      });
      if (!issues.some((i) => i.path.startsWith('/tags'))) fields.tags = [...new Set(raw.tags as string[])];
    }
  }
  if (raw.attributes !== undefined) {
    if (!isRecord(raw.attributes) || Object.keys(raw.attributes).length > DEVICE_LIMITS.maxAttributes) {
      issues.push({ path: '/attributes', message: `must be an object of at most ${DEVICE_LIMITS.maxAttributes} attributes` });
    } else {
      const attributes: Record<string, AttributeValue> = {};
      for (const [name, value] of Object.entries(raw.attributes)) {
        const path = `/attributes/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (!ATTRIBUTE_NAME.test(name)) issues.push({ path, message: 'attribute names are letters, digits and _ (max 64), starting with a letter or _' });
        else if (typeof value === 'number' ? !Number.isFinite(value) : typeof value !== 'boolean' && typeof value !== 'string') {
          issues.push({ path, message: 'must be a finite number, a boolean or a string' });
        } else if (typeof value === 'string' && value.length > DEVICE_LIMITS.maxAttributeString) {
          issues.push({ path, message: `strings are at most ${DEVICE_LIMITS.maxAttributeString} characters` });
        } else attributes[name] = value as AttributeValue;
      }
      fields.attributes = attributes;
    }
  }
  return { fields, issues };
}

/** Checks a device id given by the caller (path or body). */
export function isDeviceId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** The key ids whose keys still authenticate at `now` (not past their grace period). */
export function liveKeys(device: Device, now: number): DeviceKeyInfo[] {
  return device.keys.filter((k) => k.expiresAt === undefined || Date.parse(k.expiresAt) > now);
}

/** After a rotation: every live key without an end gets one `graceMs` from now; expired ones are dropped. */
export function rotateKeys(keys: readonly DeviceKeyInfo[], added: DeviceKeyInfo, now: number, graceMs: number): DeviceKeyInfo[] {
  const until = new Date(now + graceMs).toISOString();
  const kept = keys
    .filter((k) => k.expiresAt === undefined || Date.parse(k.expiresAt) > now)
    .map((k) => (k.expiresAt === undefined || Date.parse(k.expiresAt) > now + graceMs ? { ...k, expiresAt: until } : k));
  return [...kept, added];
}
