/**
 * The telemetry reading: what devices send (ARCHITECTURE.md, "Ingest") and what travels on
 * `geopulse.telemetry.v1`. Validation is hand-written: it runs for every reading on the hot
 * path, must report every problem with a JSON-pointer path, and the shape is small.
 */
import { isRecord } from './json-body';
import { parseReadingTags } from './tags';

export interface Position {
  lat: number;
  lon: number;
  alt?: number;
  accuracy?: number;
  speed?: number;
  heading?: number;
}

export type MetricValue = number | boolean | string;

export interface Reading {
  deviceId: string;
  /** Idempotency key; the CloudEvent id on Kafka. */
  id: string;
  /** Event time, ISO-8601 UTC with milliseconds. */
  ts: string;
  position?: Position;
  metrics?: Record<string, MetricValue>;
}

/** Data of an `io.geopulse.telemetry.reading.v1` event. */
export interface TelemetryReading extends Reading {
  tenantId: string;
  receivedAt: string;
  /**
   * The device's registry tags when ingest accepted the reading (docs/decisions/0107); absent
   * when ingest could not tell (an unregistered device, or the registry was unreachable).
   * Devices cannot set it: a reading body with `tags` is refused.
   */
  tags?: string[];
}

export interface ValidationIssue {
  /** Index of the item in a batch (0 for a single reading). */
  index: number;
  /** JSON pointer inside the item, e.g. `/position/lat`; `` for the item itself. */
  path: string;
  message: string;
}

export interface ReadingLimits {
  /** How far in the future (device clock skew) an event time may be. */
  maxFutureSkewMs: number;
  /** How old an event time may be (buffered data that comes back online). */
  maxAgeMs: number;
  maxMetrics: number;
  maxStringLength: number;
}

export const DEFAULT_READING_LIMITS: ReadingLimits = {
  maxFutureSkewMs: 5 * 60_000,
  maxAgeMs: 30 * 24 * 3600_000,
  maxMetrics: 100,
  maxStringLength: 256,
};

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const READING_KEYS = new Set(['deviceId', 'id', 'ts', 'position', 'metrics']);
const POSITION_RANGES: Record<keyof Position, [number, number]> = {
  lat: [-90, 90],
  lon: [-180, 180],
  alt: [-100_000, 1_000_000],
  accuracy: [0, 1_000_000],
  speed: [0, 1_000_000],
  heading: [0, 360],
};

export interface ReadingContext {
  now: number;
  limits: ReadingLimits;
  /** The device a device key authenticates; readings may omit deviceId then. */
  authenticatedDeviceId?: string;
  newId: () => string;
}

export type ReadingCheck = { ok: true; reading: Reading } | { ok: false; issues: ValidationIssue[] };

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Parses an event time given as ISO-8601 or epoch milliseconds; undefined when invalid. */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value < 8.64e15 ? value : undefined;
  }
  if (typeof value === 'string' && ISO_TS.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function checkPosition(raw: unknown, index: number, issues: ValidationIssue[]): Position | undefined {
  if (!isRecord(raw)) {
    issues.push({ index, path: '/position', message: `must be an object, got ${describe(raw)}` });
    return undefined;
  }
  const position: Partial<Position> = {};
  for (const [key, value] of Object.entries(raw)) {
    const range = POSITION_RANGES[key as keyof Position];
    const path = `/position/${key}`;
    if (!range) {
      issues.push({ index, path, message: 'is not a position field (lat, lon, alt, accuracy, speed, heading)' });
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push({ index, path, message: `must be a finite number, got ${describe(value)}` });
    } else if (value < range[0] || value > range[1]) {
      issues.push({ index, path, message: `must be between ${range[0]} and ${range[1]}, got ${value}` });
    } else {
      position[key as keyof Position] = value;
    }
  }
  for (const key of ['lat', 'lon'] as const) {
    if (!(key in raw)) issues.push({ index, path: `/position/${key}`, message: 'is required' });
  }
  return position as Position;
}

function checkMetrics(
  raw: unknown,
  index: number,
  limits: ReadingLimits,
  issues: ValidationIssue[],
): Record<string, MetricValue> | undefined {
  if (!isRecord(raw)) {
    issues.push({ index, path: '/metrics', message: `must be an object, got ${describe(raw)}` });
    return undefined;
  }
  const entries = Object.entries(raw);
  if (entries.length > limits.maxMetrics) {
    issues.push({ index, path: '/metrics', message: `must have at most ${limits.maxMetrics} metrics, got ${entries.length}` });
  }
  const metrics: Record<string, MetricValue> = {};
  for (const [name, value] of entries) {
    const path = `/metrics/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!METRIC_NAME.test(name)) {
      issues.push({ index, path, message: 'metric names are letters, digits and _ (max 64), starting with a letter or _' });
    } else if (typeof value === 'number') {
      if (Number.isFinite(value)) metrics[name] = value;
      else issues.push({ index, path, message: `must be a finite number, got ${value}` });
    } else if (typeof value === 'boolean') {
      metrics[name] = value;
    } else if (typeof value === 'string') {
      if (value.length <= limits.maxStringLength) metrics[name] = value;
      else issues.push({ index, path, message: `strings are at most ${limits.maxStringLength} characters` });
    } else {
      issues.push({ index, path, message: `must be a number, boolean or string, got ${describe(value)}` });
    }
  }
  return metrics;
}

/** Validates one reading as sent by a device; every problem is reported. */
export function checkReading(raw: unknown, index: number, ctx: ReadingContext): ReadingCheck {
  const issues: ValidationIssue[] = [];
  if (!isRecord(raw)) {
    return { ok: false, issues: [{ index, path: '', message: `a reading must be an object, got ${describe(raw)}` }] };
  }
  for (const key of Object.keys(raw)) {
    if (!READING_KEYS.has(key)) issues.push({ index, path: `/${key}`, message: 'is not a reading field' });
  }

  let deviceId = raw.deviceId;
  if (deviceId === undefined && ctx.authenticatedDeviceId !== undefined) deviceId = ctx.authenticatedDeviceId;
  if (deviceId === undefined) {
    issues.push({ index, path: '/deviceId', message: 'is required' });
  } else if (typeof deviceId !== 'string' || !ID_PATTERN.test(deviceId)) {
    issues.push({ index, path: '/deviceId', message: 'must be 1-128 characters of letters, digits, . _ ~ -' });
  }

  let id = raw.id;
  if (id === undefined) id = ctx.newId();
  else if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    issues.push({ index, path: '/id', message: 'must be 1-128 characters of letters, digits, . _ ~ -' });
  }

  let ts: string | undefined;
  if (raw.ts === undefined) {
    issues.push({ index, path: '/ts', message: 'is required (ISO-8601 or epoch milliseconds)' });
  } else {
    const ms = parseEventTime(raw.ts);
    if (ms === undefined) {
      issues.push({ index, path: '/ts', message: 'must be an ISO-8601 time with zone or epoch milliseconds' });
    } else if (ms > ctx.now + ctx.limits.maxFutureSkewMs) {
      issues.push({ index, path: '/ts', message: `is more than ${ctx.limits.maxFutureSkewMs / 1000}s in the future` });
    } else if (ms < ctx.now - ctx.limits.maxAgeMs) {
      issues.push({ index, path: '/ts', message: `is older than the ${ctx.limits.maxAgeMs / 3600_000}h ingest horizon` });
    } else {
      ts = new Date(ms).toISOString();
    }
  }

  const position = raw.position === undefined ? undefined : checkPosition(raw.position, index, issues);
  const metrics = raw.metrics === undefined ? undefined : checkMetrics(raw.metrics, index, ctx.limits, issues);
  if (raw.position === undefined && raw.metrics === undefined) {
    issues.push({ index, path: '', message: 'a reading needs position, metrics or both' });
  }

  if (issues.length > 0) return { ok: false, issues };
  const reading: Reading = { deviceId: deviceId as string, id: id as string, ts: ts as string };
  if (position) reading.position = position;
  if (metrics) reading.metrics = metrics;
  return { ok: true, reading };
}

export type BatchCheck = { ok: true; readings: Reading[] } | { ok: false; issues: ValidationIssue[] };

/** All-or-nothing: either every reading is valid, or every issue of every reading is listed. */
export function checkReadings(items: readonly unknown[], ctx: ReadingContext): BatchCheck {
  const readings: Reading[] = [];
  const issues: ValidationIssue[] = [];
  items.forEach((item, index) => {
    const result = checkReading(item, index, ctx);
    if (result.ok) readings.push(result.reading);
    else issues.push(...result.issues);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, readings };
}

/**
 * Checks the data of a reading event consumed from Kafka. Records were validated at ingest,
 * so this guards consumers against foreign or corrupted records (which go to dead-letter).
 */
export function parseTelemetryReading(data: unknown): TelemetryReading {
  if (!isRecord(data)) throw new Error('reading event data must be an object');
  const { tenantId, receivedAt, tags: rawTags, ...rest } = data;
  if (typeof tenantId !== 'string' || !ID_PATTERN.test(tenantId)) throw new Error('reading event has no valid tenantId');
  if (typeof receivedAt !== 'string') throw new Error('reading event has no receivedAt');
  const result = checkReading(rest, 0, {
    now: Date.now(),
    limits: { ...DEFAULT_READING_LIMITS, maxFutureSkewMs: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER },
    newId: () => {
      throw new Error('reading event has no id');
    },
  });
  if (!result.ok) {
    throw new Error(result.issues.map((i) => `${i.path || '/'} ${i.message}`).join('; '));
  }
  const tags = parseReadingTags(rawTags);
  return { ...result.reading, tenantId, receivedAt, ...(tags !== undefined ? { tags } : {}) };
}

/** JSON Schema of a reading, for OpenAPI documentation. Validation is `checkReading`. */
export const READING_JSON_SCHEMA = {
  type: 'object',
  required: ['ts'],
  additionalProperties: false,
  properties: {
    deviceId: { type: 'string', pattern: ID_PATTERN.source, example: 'thermostat-1' },
    id: { type: 'string', pattern: ID_PATTERN.source, description: 'Idempotency key; generated when absent' },
    ts: {
      oneOf: [{ type: 'string', format: 'date-time' }, { type: 'integer', description: 'epoch milliseconds' }],
      example: '2026-11-22T10:00:00.000Z',
    },
    position: {
      type: 'object',
      required: ['lat', 'lon'],
      properties: {
        lat: { type: 'number', minimum: -90, maximum: 90, example: 52.37 },
        lon: { type: 'number', minimum: -180, maximum: 180, example: 4.89 },
        alt: { type: 'number' },
        accuracy: { type: 'number', minimum: 0, description: 'metres' },
        speed: { type: 'number', minimum: 0, description: 'm/s' },
        heading: { type: 'number', minimum: 0, maximum: 360 },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: { oneOf: [{ type: 'number' }, { type: 'boolean' }, { type: 'string', maxLength: 256 }] },
      example: { temperature: 48.5, occupancy: true, mode: 'heat' },
    },
  },
} as const;
