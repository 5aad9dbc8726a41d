import type { RawRecord } from './event-producer';

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
  reason: string;
  detail?: string;
  /** Where the record was read from, or was to be written to. */
  topic: string;
  partition?: number;
  offset?: string;
  /** Consumer group, or the producing service. */
  group?: string;
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
