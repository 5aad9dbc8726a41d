import { JsonSyntaxError, parseJsonDocument, parseNdjson } from '@geopulse/contracts';
import { IngestError } from './ingest-error';

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

/** The media type without parameters, lower-cased (`application/json; charset=utf-8` -> `application/json`). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Turns a request body into the list of raw readings it carries: one reading object,
 * `{"readings": [...]}`, or NDJSON (one reading per line).
 */
export function readingsOfBody(contentType: string | undefined, body: Buffer, maxBatch: number): unknown[] {
  const type = mediaType(contentType);
  const isJson = type === 'application/json' || type.endsWith('+json');
  if (!isJson && !NDJSON_TYPES.includes(type)) {
    throw new IngestError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json or application/x-ndjson, got ${type || 'none'}`);
  }
  const text = body.toString('utf8');
  if (text.trim() === '') throw new IngestError('EMPTY_BODY', 'the request body is empty');
  let items: unknown[];
  try {
    if (isJson) {
      const doc = parseJsonDocument(text);
      const batch = typeof doc === 'object' && doc !== null && !Array.isArray(doc) && 'readings' in doc ? doc.readings : undefined;
      if (batch !== undefined && !Array.isArray(batch)) {
        throw new IngestError('INVALID_READING', 'readings must be an array', [{ index: 0, path: '/readings', message: 'must be an array' }]);
      }
      items = batch ?? [doc];
    } else {
      items = parseNdjson(text);
    }
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new IngestError('MALFORMED_JSON', err.message);
    throw err;
  }
  if (items.length === 0) throw new IngestError('EMPTY_BODY', 'the request carries no readings');
  if (items.length > maxBatch) {
    throw new IngestError('BATCH_TOO_LARGE', `a request may carry at most ${maxBatch} readings, got ${items.length}`);
  }
  return items;
}
