import { ID_PATTERN, isRecord, schemaCheck, type JsonSchema } from '@geopulse/contracts';

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
  /** The user (operator JWT `sub`) who owns it; authorization policies may grant its owner more (e.g. any temperature). */
  owner?: string;
  keys: DeviceKeyInfo[];
  /** Optimistic concurrency: every write checks and increments it. */
  version: number;
}

export interface DeviceFields {
  name?: string;
  tags?: string[];
  attributes?: Record<string, AttributeValue>;
  enabled?: boolean;
  /** A user id (JWT `sub`); `null` in a PATCH removes the owner. */
  owner?: string | null;
}

export interface FieldIssue {
  path: string;
  message: string;
}

export const DEVICE_LIMITS = { maxName: 200, maxTags: 50, maxTag: 64, maxAttributes: 50, maxAttributeString: 256, maxOwner: 256 };
const TAG = /^[A-Za-z0-9][A-Za-z0-9._:/=-]{0,63}$/;
/** A JWT `sub`: printable, no control characters, no leading or trailing space. */
const OWNER = /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u;
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * The editable fields of a device (the body of `PATCH /v1/devices/{id}`): its OpenAPI schema and
 * its check in one (contracts' schemaCheck).
 */
export const DEVICE_FIELDS_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: DEVICE_LIMITS.maxName },
    tags: { type: 'array', maxItems: DEVICE_LIMITS.maxTags, items: { type: 'string', pattern: TAG.source, description: '1-64 characters of letters, digits and . _ : / = -' } },
    attributes: {
      type: 'object',
      maxProperties: DEVICE_LIMITS.maxAttributes,
      propertyNames: { pattern: ATTRIBUTE_NAME.source },
      additionalProperties: { type: ['number', 'boolean', 'string'], maxLength: DEVICE_LIMITS.maxAttributeString },
      description: 'names of letters, digits and _ (max 64, starting with a letter or _); values numbers, booleans or strings of at most 256 characters',
    },
    enabled: { type: 'boolean' },
    owner: {
      type: ['string', 'null'],
      minLength: 1,
      maxLength: DEVICE_LIMITS.maxOwner,
      pattern: OWNER.source,
      description: 'the user id (operator JWT `sub`) who owns the device, 1-256 printable characters; null removes it',
    },
  },
};

/** The body of `POST /v1/devices`: the editable fields and the device id. */
export const DEVICE_CREATE_SCHEMA: JsonSchema = {
  ...DEVICE_FIELDS_SCHEMA,
  properties: { deviceId: { type: 'string', pattern: ID_PATTERN.source, description: 'generated when absent' }, ...(DEVICE_FIELDS_SCHEMA.properties as JsonSchema) },
};

const checkCreate = schemaCheck(DEVICE_CREATE_SCHEMA);
const checkFields = schemaCheck(DEVICE_FIELDS_SCHEMA);

/**
 * Checks the editable fields of a device (a create body, with `deviceId`, or a PATCH body);
 * every problem is listed with its JSON-pointer path.
 */
export function checkDeviceFields(raw: unknown, body: 'create' | 'patch' = 'patch'): { fields: DeviceFields; issues: FieldIssue[] } {
  if (!isRecord(raw)) return { fields: {}, issues: [{ path: '', message: 'the body must be a JSON object' }] };
  const issues: FieldIssue[] = (body === 'create' ? checkCreate : checkFields)(raw);
  if (issues.length > 0) return { fields: {}, issues };
  const input = raw as DeviceFields;
  const fields: DeviceFields = {};
  if (input.name !== undefined) fields.name = input.name;
  if (input.enabled !== undefined) fields.enabled = input.enabled;
  if (input.tags !== undefined) fields.tags = [...new Set(input.tags)];
  if (input.attributes !== undefined) fields.attributes = { ...input.attributes };
  if (input.owner !== undefined) fields.owner = input.owner;
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
