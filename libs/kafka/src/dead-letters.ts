import type { DecodeFailure } from '@geopulse/contracts';
import type { RawRecord } from './event-producer';

/**
 * Why a record is on `geopulse.deadletter.v1`: the `geopulse-dlq-reason` header and the
 * `reason` label of geopulse_kafka_dead_lettered_total. One catalogue for every service, so an
 * operator can filter and alert on a closed set (docs/decisions/0011).
 */
export type DeadLetterReason =
  /** The record is not a CloudEvent we can decode (missing header, bad JSON, ...). */
  | DecodeFailure
  | 'undecodable'
  /** The record (or what the handler made of it) exceeds the broker's size limit. */
  | 'record-too-large'
  /** The record's data does not match its type's schema. */
  | 'schema'
  /** The handler failed on this record alone with an error a retry cannot fix. */
  | 'poison-record'
  /** The handler marked the failure non-retriable (NonRetriableError without a reason of its own). */
  | 'handler-rejected'
  /** A CloudEvent of a type the topic does not carry. */
  | 'unexpected-type'
  /** A reading that fails the telemetry schema (on the topic, or from a device over MQTT). */
  | 'invalid-reading'
  /** An alert, geofence transition, geofence change or rule change that fails its schema. */
  | 'invalid-alert'
  | 'invalid-geofence-transition'
  | 'invalid-geofence-change'
  | 'invalid-rule-change'
  /** A tenant policy-set change (geopulse.policies.v1) that fails its schema. */
  | 'invalid-policy-set'
  /** The aggregator: a reading older than the device's allowed lateness or the stored history. */
  | 'too-late'
  /** The notifier: a delivery that failed its last attempt. */
  | 'delivery-failed'
  /** Ingest's MQTT bridge: a message it cannot accept (topic, device, or body). */
  | 'bad-topic'
  | 'unknown-device'
  | 'device-disabled'
  | 'malformed-json'
  | 'empty-body'
  | 'batch-too-large'
  | 'reading-too-large'
  | 'unsupported-media-type'
  | 'device-mismatch';

/** Headers every dead letter on `geopulse.deadletter.v1` carries besides the original ones. */
export const DEAD_LETTER_HEADERS = {
  reason: 'geopulse-dlq-reason',
  detail: 'geopulse-dlq-detail',
  topic: 'geopulse-dlq-topic',
  partition: 'geopulse-dlq-partition',
  offset: 'geopulse-dlq-offset',
  group: 'geopulse-dlq-group',
  time: 'geopulse-dlq-time',
  /** Size of the original value when the dead letter carries only its beginning. */
  truncatedFrom: 'geopulse-dlq-truncated-from',
} as const;

export interface DeadLetterOrigin {
  reason: DeadLetterReason;
  detail?: string;
  /** Where the record was read from, or was to be written to. */
  topic: string;
  partition?: number;
  offset?: string;
  /** Consumer group, or the producing service. */
  group?: string;
  /** Headers of a producer's own (e.g. the notifier's subscription and attempts), beside the shared ones. */
  extraHeaders?: Record<string, string>;
}

/** The original key, value and headers with why and where it failed. */
export function deadLetterRecord(raw: RawRecord, origin: DeadLetterOrigin, now: string = new Date().toISOString()): RawRecord {
  const headers: Record<string, string> = {
    ...raw.headers,
    [DEAD_LETTER_HEADERS.reason]: origin.reason,
    [DEAD_LETTER_HEADERS.detail]: (origin.detail ?? '').slice(0, 1000),
    [DEAD_LETTER_HEADERS.topic]: origin.topic,
    [DEAD_LETTER_HEADERS.time]: now,
  };
  if (origin.partition !== undefined) headers[DEAD_LETTER_HEADERS.partition] = String(origin.partition);
  if (origin.offset !== undefined) headers[DEAD_LETTER_HEADERS.offset] = origin.offset;
  if (origin.group !== undefined) headers[DEAD_LETTER_HEADERS.group] = origin.group;
  Object.assign(headers, origin.extraHeaders);
  return { key: raw.key, value: raw.value, headers };
}

/**
 * A dead letter that must fit in `maxBytes` of value: a record too large for the broker
 * cannot be dead-lettered whole, so it keeps only the beginning of its value (enough to
 * identify it) and says how large it was.
 */
export function truncatedDeadLetter(letter: RawRecord, maxValueBytes: number): RawRecord {
  if (letter.value === null || letter.value.length <= maxValueBytes) return letter;
  return {
    key: letter.key,
    value: letter.value.subarray(0, Math.max(0, maxValueBytes)),
    headers: { ...letter.headers, [DEAD_LETTER_HEADERS.truncatedFrom]: String(letter.value.length) },
  };
}
