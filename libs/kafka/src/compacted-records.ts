import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConsumedEvent, Tombstone } from './batch-consumer';

/** A record of a compacted topic: a new value, or a tombstone (deletion) of its key. */
export type CompactedRecord = { kind: 'value'; offset: bigint; record: ConsumedEvent } | { kind: 'tombstone'; offset: bigint; tombstone: Tombstone };

/**
 * A batch's values and tombstones in offset order: a delete followed by a re-create of the same
 * key (or the reverse) must be applied in the order it was written.
 */
export function inOffsetOrder(events: readonly ConsumedEvent[], tombstones: readonly Tombstone[]): CompactedRecord[] {
  const all: CompactedRecord[] = [
    ...events.map((record) => ({ kind: 'value' as const, offset: BigInt(record.offset), record })),
    ...tombstones.map((tombstone) => ({ kind: 'tombstone' as const, offset: BigInt(tombstone.offset), tombstone })),
  ];
  return all.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}

/**
 * A consumer group of its own for one process, so it reads a broadcast topic in full
 * (`<prefix>-<host>-<pid>-<random>`).
 */
export function broadcastGroupId(prefix: string): string {
  return `${prefix}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}
