import { randomBytes } from 'node:crypto';
import { isRecord, schemaCheck, type ErrorIssue, type JsonSchema } from '@geopulse/contracts';

/** What a command's argument may be: the scalars an authorization policy can compare. */
export type CommandArgValue = string | number | boolean;

/**
 * queued: stored, not yet taken by the broker for the device; delivered: the broker
 * acknowledged it (PUBACK) for the device's subscription; acknowledged: the device answered on
 * `.../commands/ack`; expired: its ttl passed first (docs/decisions/0106).
 */
export type CommandStatus = 'queued' | 'delivered' | 'acknowledged' | 'expired';
export const OPEN_STATUSES: readonly CommandStatus[] = ['queued', 'delivered'];

/** A command to one device, as stored and shown by the API. */
export interface DeviceCommand {
  tenantId: string;
  deviceId: string;
  /** A UUIDv7: sorts by issue time. */
  commandId: string;
  name: string;
  args: Record<string, CommandArgValue>;
  status: CommandStatus;
  issuedAt: string;
  expiresAt: string;
  /** `sub` of the token that sent it. */
  issuedBy: string;
  /** The policies that allowed it. */
  policyIds: string[];
  /** Publishes to the broker so far. */
  attempts: number;
  deliveredAt?: string;
  acknowledgedAt?: string;
  /** What the device said: `ok` (default) or `error`, with an optional detail. */
  result?: { status: 'ok' | 'error'; detail?: string };
  expiredAt?: string;
}

/** What the device receives on `devices/<tenant>:<device>/commands` (QoS 1). */
export interface CommandPayload {
  commandId: string;
  name: string;
  args: Record<string, CommandArgValue>;
  issuedAt: string;
  expiresAt: string;
}

export interface CommandRequest {
  name: string;
  args: Record<string, CommandArgValue>;
  ttlSeconds: number;
}

export interface CommandAck {
  commandId: string;
  status: 'ok' | 'error';
  detail?: string;
}

export const COMMAND_LIMITS = { maxName: 64, maxArgs: 32, maxArgString: 256, minTtlSeconds: 1, maxTtlSeconds: 86_400, defaultTtlSeconds: 300, maxDetail: 1024 };
const COMMAND_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** UUIDv7, lower-case. */
export const COMMAND_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The body of `POST /v1/devices/{id}/commands`: its OpenAPI schema and its check in one. */
export const COMMAND_REQUEST_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: COMMAND_NAME.source, description: '1-64 letters, digits and _ . - starting with a letter, e.g. setTemperature' },
    args: {
      type: 'object',
      maxProperties: COMMAND_LIMITS.maxArgs,
      propertyNames: { pattern: ARG_NAME.source },
      additionalProperties: { type: ['number', 'boolean', 'string'], maxLength: COMMAND_LIMITS.maxArgString },
      description: 'a flat object: at most 32 names of letters, digits and _ (starting with a letter or _), values numbers, booleans or strings of at most 256 characters',
    },
    ttlSeconds: {
      type: 'integer',
      minimum: COMMAND_LIMITS.minTtlSeconds,
      maximum: COMMAND_LIMITS.maxTtlSeconds,
      description: 'how long the command may wait for delivery and acknowledgement; default 300',
    },
  },
};

const checkRequest = schemaCheck(COMMAND_REQUEST_SCHEMA);

/** Checks a command request; every problem is listed with its JSON-pointer path. */
export function checkCommandRequest(raw: unknown): { request?: CommandRequest; issues: ErrorIssue[] } {
  if (!isRecord(raw)) return { issues: [{ path: '', message: 'the body must be a JSON object' }] };
  const issues = checkRequest(raw);
  if (issues.length > 0) return { issues };
  const input = raw as { name: string; args?: Record<string, CommandArgValue>; ttlSeconds?: number };
  return { request: { name: input.name, args: { ...(input.args ?? {}) }, ttlSeconds: input.ttlSeconds ?? COMMAND_LIMITS.defaultTtlSeconds }, issues };
}

export function isCommandId(value: unknown): value is string {
  return typeof value === 'string' && COMMAND_ID_PATTERN.test(value);
}

/** A UUIDv7 (RFC 9562): 48 bits of milliseconds, then random bits; ids sort by time. */
export function newCommandId(nowMs: number, random: Buffer = randomBytes(10)): string {
  const hex = nowMs.toString(16).padStart(12, '0').slice(-12) + random.toString('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function commandPayload(command: DeviceCommand): CommandPayload {
  return { commandId: command.commandId, name: command.name, args: command.args, issuedAt: command.issuedAt, expiresAt: command.expiresAt };
}

/** A device's acknowledgement `{commandId, status?, detail?}`, or why it is not one. */
export function parseCommandAck(message: Buffer | string): { ack: CommandAck } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(message.toString());
  } catch {
    return { problem: 'not JSON' };
  }
  if (!isRecord(raw)) return { problem: 'not a JSON object' };
  const { commandId, status, detail } = raw;
  if (!isCommandId(commandId)) return { problem: 'commandId is not a command id' };
  if (status !== undefined && status !== 'ok' && status !== 'error') return { problem: 'status must be "ok" or "error"' };
  if (detail !== undefined && typeof detail !== 'string') return { problem: 'detail must be a string' };
  return { ack: { commandId, status: status ?? 'ok', ...(detail !== undefined ? { detail: detail.slice(0, COMMAND_LIMITS.maxDetail) } : {}) } };
}
