/**
 * OTLP JSON (TracesData: what Jaeger's API v3 answers, and what the OTLP/HTTP exporter sends)
 * to flat spans. Ids arrive as hex (the OTLP JSON rule) or base64 (the generic protobuf JSON
 * mapping some exporters use); both become lower-case hex.
 */

export type AttributeValue = string | number | boolean;

export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';

export interface CollectedSpanEvent {
  name: string;
  timeUnixNano: string;
  attributes: Record<string, AttributeValue>;
}

/** One span as a trace backend (Jaeger's API v3, OTLP JSON) serves it, flattened. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: SpanKindName;
  /** The resource's service.name ('' when absent). */
  serviceName: string;
  /** The instrumentation scope, e.g. "@opentelemetry/instrumentation-http". */
  scope: string;
  /** Nanoseconds since the epoch, as decimal strings (they exceed 2^53). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationMs: number;
  /** Arrays and maps are JSON-encoded strings. */
  attributes: Record<string, AttributeValue>;
  status: { code: StatusCodeName; message?: string };
  events: CollectedSpanEvent[];
}

/** The payload does not have the OTLP shape: answered with 400. */
export class OtlpPayloadError extends Error {}

type JsonObject = Record<string, unknown>;
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const SPAN_KINDS: readonly SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_CODES: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayAt(object: JsonObject, key: string, where: string): unknown[] {
  const value = object[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpPayloadError(`${where}.${key} must be an array`);
  return value;
}

function objectAt(value: unknown, where: string): JsonObject {
  if (!isObject(value)) throw new OtlpPayloadError(`${where} must be an object`);
  return value;
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * A trace id (16 bytes) or span id (8 bytes) as lower-case hex. Accepts hex, base64 and
 * base64url. Empty or all-zero ids become null.
 */
export function normalizeId(value: unknown, bytes: 8 | 16, where: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new OtlpPayloadError(`${where} must be a string`);
  let hex: string | undefined;
  if (value.length === bytes * 2 && HEX.test(value)) {
    hex = value.toLowerCase();
  } else if (BASE64.test(value)) {
    const decoded = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (decoded.length === bytes) hex = decoded.toString('hex');
  }
  if (hex === undefined) {
    throw new OtlpPayloadError(`${where}: "${value}" is neither ${bytes * 2} hex digits nor base64 of ${bytes} bytes`);
  }
  return /^0+$/.test(hex) ? null : hex;
}

function requiredId(value: unknown, bytes: 8 | 16, where: string): string {
  const id = normalizeId(value, bytes, where);
  if (id === null) throw new OtlpPayloadError(`${where} is required`);
  return id;
}

/** OTLP int64 / fixed64 values come as JSON strings or numbers. */
function toNumberIfSafe(value: unknown): number | string {
  const number = typeof value === 'number' ? value : Number(value);
  if (Number.isSafeInteger(number)) return number;
  if (typeof value === 'string') return value;
  return number;
}

function anyValueToJson(value: unknown): JsonValue {
  if (!isObject(value)) return null;
  if ('stringValue' in value) return String(value.stringValue);
  if ('boolValue' in value) return value.boolValue === true || value.boolValue === 'true';
  if ('intValue' in value) return toNumberIfSafe(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return String(value.bytesValue);
  if ('arrayValue' in value) {
    const values = isObject(value.arrayValue) && Array.isArray(value.arrayValue.values) ? value.arrayValue.values : [];
    return values.map(anyValueToJson);
  }
  if ('kvlistValue' in value) {
    const values = isObject(value.kvlistValue) && Array.isArray(value.kvlistValue.values) ? value.kvlistValue.values : [];
    const out: { [key: string]: JsonValue } = {};
    for (const entry of values) {
      if (isObject(entry) && typeof entry.key === 'string') out[entry.key] = anyValueToJson(entry.value);
    }
    return out;
  }
  return null;
}

/** OTLP KeyValue[] to a flat record; arrays and maps become JSON strings, empty values are dropped. */
export function toAttributes(keyValues: unknown): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  if (!Array.isArray(keyValues)) return attributes;
  for (const entry of keyValues) {
    if (!isObject(entry) || typeof entry.key !== 'string') continue;
    const value = anyValueToJson(entry.value);
    if (value === null) continue;
    attributes[entry.key] = typeof value === 'object' ? JSON.stringify(value) : value;
  }
  return attributes;
}

function enumName<T extends string>(value: unknown, names: readonly T[], prefix: string, fallback: T): T {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < names.length) return names[value];
  if (typeof value === 'string') {
    const name = value.startsWith(prefix) ? value.slice(prefix.length) : value;
    if ((names as readonly string[]).includes(name)) return name as T;
    const asNumber = Number(value);
    if (Number.isInteger(asNumber) && asNumber >= 0 && asNumber < names.length) return names[asNumber];
  }
  return fallback;
}

/** Nanosecond timestamps to decimal strings, without the precision loss of floats where possible. */
function nanos(value: unknown): string {
  if (typeof value === 'string' && /^\d+$/.test(value)) return value.replace(/^0+(?=\d)/, '');
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value)).toString();
  if (isObject(value) && typeof value.low === 'number' && typeof value.high === 'number') {
    // protobufjs Long as JSON: { low, high }
    return ((BigInt(value.high >>> 0) << 32n) + BigInt(value.low >>> 0)).toString();
  }
  return '0';
}

function durationMs(start: string, end: string): number {
  const delta = BigInt(end) - BigInt(start);
  return Number(delta) / 1e6;
}

function toSpan(raw: unknown, serviceName: string, scope: string, where: string): CollectedSpan {
  const span = objectAt(raw, where);
  const startTimeUnixNano = nanos(span.startTimeUnixNano);
  const endTimeUnixNano = nanos(span.endTimeUnixNano);
  const status = isObject(span.status) ? span.status : {};
  const message = typeof status.message === 'string' && status.message !== '' ? status.message : undefined;
  return {
    traceId: requiredId(span.traceId, 16, `${where}.traceId`),
    spanId: requiredId(span.spanId, 8, `${where}.spanId`),
    parentSpanId: normalizeId(span.parentSpanId, 8, `${where}.parentSpanId`),
    name: typeof span.name === 'string' ? span.name : '',
    kind: enumName(span.kind, SPAN_KINDS, 'SPAN_KIND_', 'UNSPECIFIED'),
    serviceName,
    scope,
    startTimeUnixNano,
    endTimeUnixNano,
    durationMs: durationMs(startTimeUnixNano, endTimeUnixNano),
    attributes: toAttributes(span.attributes),
    status: { code: enumName(status.code, STATUS_CODES, 'STATUS_CODE_', 'UNSET'), ...(message ? { message } : {}) },
    events: arrayAt(span, 'events', where).flatMap((event) =>
      isObject(event)
        ? [
            {
              name: typeof event.name === 'string' ? event.name : '',
              timeUnixNano: nanos(event.timeUnixNano),
              attributes: toAttributes(event.attributes),
            },
          ]
        : [],
    ),
  };
}

/** An ExportTraceServiceRequest in OTLP JSON to flat spans; throws OtlpPayloadError on a wrong shape. */
export function spansFromOtlpJson(payload: unknown): CollectedSpan[] {
  const request = objectAt(payload, 'request');
  const spans: CollectedSpan[] = [];
  arrayAt(request, 'resourceSpans', 'request').forEach((rawResourceSpans, r) => {
    const where = `resourceSpans[${r}]`;
    const resourceSpans = objectAt(rawResourceSpans, where);
    const resource = isObject(resourceSpans.resource) ? resourceSpans.resource : {};
    const serviceName = String(toAttributes(resource.attributes)['service.name'] ?? '');
    // instrumentationLibrarySpans: the pre-1.0 name of scopeSpans.
    const scopeKey = 'scopeSpans' in resourceSpans ? 'scopeSpans' : 'instrumentationLibrarySpans';
    arrayAt(resourceSpans, scopeKey, where).forEach((rawScopeSpans, s) => {
      const scopeWhere = `${where}.${scopeKey}[${s}]`;
      const scopeSpans = objectAt(rawScopeSpans, scopeWhere);
      const scopeObject = isObject(scopeSpans.scope)
        ? scopeSpans.scope
        : isObject(scopeSpans.instrumentationLibrary)
          ? scopeSpans.instrumentationLibrary
          : {};
      const scope = typeof scopeObject.name === 'string' ? scopeObject.name : '';
      arrayAt(scopeSpans, 'spans', scopeWhere).forEach((rawSpan, i) => {
        spans.push(toSpan(rawSpan, serviceName, scope, `${scopeWhere}.spans[${i}]`));
      });
    });
  });
  return spans;
}
