/**
 * CloudEvents 1.0 Kafka protocol binding, binary content mode: the attributes travel as
 * `ce_*` headers, the data (JSON) is the record value. We implement the binding ourselves
 * rather than through the `cloudevents` SDK because it is a dozen lines, sits on the hot path
 * of every record, and needs to leave room for our own headers (traceparent, dead-letter).
 */

export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  data: T;
}

/** A Kafka record as our client layer hands it over: string headers, value as bytes. */
export interface EncodedRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export const CE_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  subject: 'ce_subject',
  contentType: 'content-type',
} as const;

export type DecodeFailure =
  | 'missing-value'
  | 'missing-attribute'
  | 'unsupported-specversion'
  | 'unsupported-content-type'
  | 'invalid-time'
  | 'invalid-json';

export class CloudEventDecodeError extends Error {
  constructor(
    readonly reason: DecodeFailure,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'CloudEventDecodeError';
  }
}

export function encodeCloudEvent<T>(event: CloudEvent<T>, key: string | null): EncodedRecord {
  const headers: Record<string, string> = {
    [CE_HEADERS.specversion]: event.specversion,
    [CE_HEADERS.id]: event.id,
    [CE_HEADERS.source]: event.source,
    [CE_HEADERS.type]: event.type,
    [CE_HEADERS.time]: event.time,
    [CE_HEADERS.contentType]: event.datacontenttype,
  };
  if (event.subject !== undefined) headers[CE_HEADERS.subject] = event.subject;
  return { key, value: Buffer.from(JSON.stringify(event.data)), headers };
}

function requiredHeader(headers: Record<string, string>, name: string): string {
  const value = headers[name];
  if (value === undefined || value === '') {
    throw new CloudEventDecodeError('missing-attribute', `header ${name} is missing`);
  }
  return value;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Decodes a binary-mode record; throws CloudEventDecodeError with the reason otherwise. */
export function decodeCloudEvent(record: EncodedRecord): CloudEvent<unknown> {
  const { headers } = record;
  const specversion = requiredHeader(headers, CE_HEADERS.specversion);
  if (specversion !== '1.0') {
    throw new CloudEventDecodeError('unsupported-specversion', `ce_specversion ${specversion}`);
  }
  const contentType = headers[CE_HEADERS.contentType] ?? 'application/json';
  if (!/^application\/(cloudevents\+)?json\b/.test(contentType)) {
    throw new CloudEventDecodeError('unsupported-content-type', contentType);
  }
  const time = requiredHeader(headers, CE_HEADERS.time);
  if (!ISO_TIME.test(time) || Number.isNaN(Date.parse(time))) {
    throw new CloudEventDecodeError('invalid-time', `ce_time ${time}`);
  }
  if (record.value === null || record.value.length === 0) {
    throw new CloudEventDecodeError('missing-value', 'record has no value');
  }
  let data: unknown;
  try {
    data = JSON.parse(record.value.toString('utf8'));
  } catch (err) {
    throw new CloudEventDecodeError('invalid-json', (err as Error).message);
  }
  const event: CloudEvent<unknown> = {
    specversion: '1.0',
    id: requiredHeader(headers, CE_HEADERS.id),
    source: requiredHeader(headers, CE_HEADERS.source),
    type: requiredHeader(headers, CE_HEADERS.type),
    time,
    datacontenttype: 'application/json',
    data,
  };
  const subject = headers[CE_HEADERS.subject];
  if (subject !== undefined) event.subject = subject;
  return event;
}
