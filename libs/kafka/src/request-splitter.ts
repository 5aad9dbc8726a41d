/**
 * Splitting a publish into produce requests the broker accepts. Plain functions, no kafkajs:
 * a broker refuses a record batch larger than its `message.max.bytes` (1 MB by default, also
 * on MSK), and a producer that sends a consumer's whole output as one request wedges that
 * consumer for good (issue 10). See docs/decisions/0011.
 */

/** What the splitter needs of a record: its key, value and headers. */
export interface SizedRecord {
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer | undefined>;
}

/**
 * Bytes of a record batch besides its records (61 in format v2), with room for the produce
 * request's per-partition framing.
 */
export const REQUEST_OVERHEAD_BYTES = 128;
/** Per record: length, attributes, timestamp and offset deltas, key/value lengths, header count (varints, at most 5 bytes each). */
const RECORD_OVERHEAD_BYTES = 32;
/** Per header: key and value lengths (varints). */
const HEADER_OVERHEAD_BYTES = 10;

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** An upper bound of a record's size on the wire, uncompressed (key, value, headers, framing). */
export function estimateRecordBytes(record: SizedRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + byteLength(record.key) + byteLength(record.value);
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + byteLength(value);
  }
  return bytes;
}

export interface OversizeRecord<T> {
  /** Position in the input. */
  index: number;
  record: T;
  bytes: number;
}

export interface SplitRequests<T> {
  /** Requests to send one after the other, in this order; records keep their input order. */
  requests: T[][];
  /** Records that alone exceed the limit; they are not in any request. */
  oversize: OversizeRecord<T>[];
}

/** The largest record (estimated) that fits in a request of `maxRequestBytes`. */
export function maxRecordBytes(maxRequestBytes: number): number {
  return maxRequestBytes - REQUEST_OVERHEAD_BYTES;
}

/**
 * Cuts `records` into consecutive requests of at most `maxRequestBytes` each (estimated),
 * keeping their order, so records of one key reach their partition in the order given when
 * the requests are sent one after the other. A record that alone exceeds the limit is left
 * out and reported; its neighbours go on.
 */
export function splitIntoRequests<T extends SizedRecord>(records: readonly T[], maxRequestBytes: number): SplitRequests<T> {
  if (!Number.isFinite(maxRequestBytes) || maxRequestBytes <= REQUEST_OVERHEAD_BYTES) {
    throw new RangeError(`maxRequestBytes must exceed ${REQUEST_OVERHEAD_BYTES}, got ${maxRequestBytes}`);
  }
  const requests: T[][] = [];
  const oversize: OversizeRecord<T>[] = [];
  let current: T[] = [];
  let currentBytes = REQUEST_OVERHEAD_BYTES;
  records.forEach((record, index) => {
    const bytes = estimateRecordBytes(record);
    if (bytes > maxRecordBytes(maxRequestBytes)) {
      oversize.push({ index, record, bytes });
      return;
    }
    if (current.length > 0 && currentBytes + bytes > maxRequestBytes) {
      requests.push(current);
      current = [];
      currentBytes = REQUEST_OVERHEAD_BYTES;
    }
    current.push(record);
    currentBytes += bytes;
  });
  if (current.length > 0) requests.push(current);
  return { requests, oversize };
}

/**
 * The request limit to use: the configured one, lowered to the broker's (and topics') record
 * batch limit where it could be read. Returns the limit and where it came from.
 */
export function effectiveRequestLimit(configured: number, brokerLimits: ReadonlyArray<{ source: string; bytes: number }>): { bytes: number; source: string } {
  let chosen = { bytes: configured, source: 'KAFKA_MAX_REQUEST_BYTES' };
  for (const limit of brokerLimits) {
    if (Number.isFinite(limit.bytes) && limit.bytes > REQUEST_OVERHEAD_BYTES && limit.bytes < chosen.bytes) chosen = limit;
  }
  return chosen;
}
