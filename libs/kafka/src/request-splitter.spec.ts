import { effectiveRequestLimit, estimateRecordBytes, maxRecordBytes, REQUEST_OVERHEAD_BYTES, splitIntoRequests, type SizedRecord } from './request-splitter';

const record = (key: string, valueBytes: number, headers: Record<string, string> = {}): SizedRecord => ({ key, value: Buffer.alloc(valueBytes, 'x'), headers });
const sizeOfRequest = (records: SizedRecord[]): number => REQUEST_OVERHEAD_BYTES + records.reduce((sum, r) => sum + estimateRecordBytes(r), 0);

describe('estimateRecordBytes', () => {
  it('counts key, value, header names and values in UTF-8 bytes plus framing', () => {
    const bare = estimateRecordBytes({ key: null, value: null });
    expect(estimateRecordBytes({ key: 'ké', value: 'abc', headers: { h: 'vv' } })).toBe(bare + 3 + 3 + 1 + 2 + 10);
    expect(estimateRecordBytes({ key: 'k', value: Buffer.alloc(1000) })).toBeGreaterThanOrEqual(1001);
  });
});

describe('splitIntoRequests', () => {
  it('returns no request for no records', () => {
    expect(splitIntoRequests([], 1000)).toEqual({ requests: [], oversize: [] });
  });

  it('keeps everything in one request when it fits', () => {
    const records = [record('a', 10), record('b', 10)];
    expect(splitIntoRequests(records, 10_000).requests).toEqual([records]);
  });

  it('cuts at the limit: every request stays under it and nothing is lost or reordered', () => {
    const records = Array.from({ length: 100 }, (_, i) => record(`k${i % 7}`, 50 + ((i * 37) % 200), { n: String(i) }));
    const limit = 2_000;
    const { requests, oversize } = splitIntoRequests(records, limit);
    expect(oversize).toEqual([]);
    expect(requests.length).toBeGreaterThan(1);
    for (const request of requests) expect(sizeOfRequest(request)).toBeLessThanOrEqual(limit);
    expect(requests.flat()).toEqual(records);
  });

  it('fills requests greedily: the next record would not have fitted', () => {
    const records = Array.from({ length: 30 }, (_, i) => record('k', 100 + i));
    const { requests } = splitIntoRequests(records, 1_000);
    for (let i = 0; i + 1 < requests.length; i++) {
      expect(sizeOfRequest([...requests[i], requests[i + 1][0]])).toBeGreaterThan(1_000);
    }
  });

  it('leaves out a single record over the limit and lets its neighbours through in order', () => {
    const records = [record('a', 100), record('b', 5_000), record('a', 100), record('c', 100)];
    const { requests, oversize } = splitIntoRequests(records, 1_000);
    expect(oversize).toEqual([{ index: 1, record: records[1], bytes: estimateRecordBytes(records[1]) }]);
    expect(requests.flat()).toEqual([records[0], records[2], records[3]]);
  });

  it('keeps the order per key across requests', () => {
    const records = Array.from({ length: 60 }, (_, i) => record(`device-${i % 4}`, 80, { seq: String(i) }));
    const { requests } = splitIntoRequests(records, 500);
    const seen = new Map<string, number[]>();
    for (const r of requests.flat()) seen.set(String(r.key), [...(seen.get(String(r.key)) ?? []), Number(r.headers!.seq)]);
    for (const [key, seqs] of seen) {
      expect(seqs).toEqual(records.filter((r) => r.key === key).map((r) => Number(r.headers!.seq)));
    }
  });

  it('accepts a record of exactly the largest size, alone in its request', () => {
    const limit = 1_000;
    const exact = record('k', 0);
    const fill = maxRecordBytes(limit) - estimateRecordBytes(exact);
    const biggest = record('k', fill);
    expect(estimateRecordBytes(biggest)).toBe(maxRecordBytes(limit));
    expect(splitIntoRequests([record('a', 10), biggest, record('b', 10)], limit).requests).toEqual([[record('a', 10)], [biggest], [record('b', 10)]]);
    expect(splitIntoRequests([record('k', fill + 1)], limit).oversize).toHaveLength(1);
  });

  it('rejects a limit that cannot hold any record', () => {
    expect(() => splitIntoRequests([record('a', 1)], REQUEST_OVERHEAD_BYTES)).toThrow(RangeError);
  });
});

describe('effectiveRequestLimit', () => {
  it('takes the smallest readable limit and says where it came from', () => {
    expect(effectiveRequestLimit(900_000, [])).toEqual({ bytes: 900_000, source: 'KAFKA_MAX_REQUEST_BYTES' });
    expect(effectiveRequestLimit(900_000, [{ source: 'broker message.max.bytes', bytes: 1_048_588 }])).toEqual({ bytes: 900_000, source: 'KAFKA_MAX_REQUEST_BYTES' });
    expect(
      effectiveRequestLimit(900_000, [
        { source: 'broker message.max.bytes', bytes: 600_000 },
        { source: 'topic t max.message.bytes', bytes: 500_000 },
      ]),
    ).toEqual({ bytes: 500_000, source: 'topic t max.message.bytes' });
  });

  it('ignores unreadable values', () => {
    expect(effectiveRequestLimit(900_000, [{ source: 'broker', bytes: Number.NaN }]).bytes).toBe(900_000);
  });
});
