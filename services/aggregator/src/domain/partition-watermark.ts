/**
 * The event-time watermark of one Kafka partition: the newest event time seen on it. A window
 * closes when the watermark reaches its end; a reading for a closed window is late, and too
 * late once the watermark is past the window's end plus the allowed lateness.
 *
 * Stored twice (see docs/decisions/0201): `confirmed` is the watermark after a batch known to
 * be committed, `provisional` the one after the latest processed batch. A batch that starts
 * after the provisional offset proves that batch committed; one that starts at or before it is
 * a replay and must see the watermark the first run saw. So every reading is judged against
 * the same watermark however often it is delivered.
 */
export interface WatermarkMark {
  /** Newest event time (ms) seen up to and including `offset`; null before any reading. */
  watermark: number | null;
  /** Last offset covered; -1 before any. */
  offset: number;
}

export interface StoredWatermark {
  confirmed: WatermarkMark;
  provisional: WatermarkMark;
}

export const NO_WATERMARK: StoredWatermark = { confirmed: { watermark: null, offset: -1 }, provisional: { watermark: null, offset: -1 } };

/** The watermark a batch starting at `firstOffset` must start from, and what is now confirmed. */
export function watermarkBefore(stored: StoredWatermark, firstOffset: number): { start: WatermarkMark; confirmed: WatermarkMark } {
  if (stored.provisional.offset < firstOffset) return { start: stored.provisional, confirmed: stored.provisional };
  if (stored.confirmed.offset < firstOffset) return { start: stored.confirmed, confirmed: stored.confirmed };
  // An offset reset to before everything we know: start again from nothing.
  return { start: NO_WATERMARK.confirmed, confirmed: NO_WATERMARK.confirmed };
}

export type Lateness = 'on-time' | 'late' | 'too-late';

export function classify(windowEnd: number, watermark: number | null, allowedLatenessMs: number): Lateness {
  if (watermark === null || windowEnd > watermark) return 'on-time';
  return windowEnd + allowedLatenessMs > watermark ? 'late' : 'too-late';
}

/**
 * Idle partitions must not hold windows open forever: once a partition has had no record for
 * `idleMs` of wall-clock time, its watermark moves on as if event time passed with the clock
 * since the last record. (Jumping to wall-clock now instead would turn a backfill that pauses
 * into too-late data.)
 */
export function idleWatermark(base: number | null, lastRecordAtMs: number, nowMs: number, idleMs: number): number | null {
  if (base === null || nowMs - lastRecordAtMs < idleMs) return base;
  return base + (nowMs - lastRecordAtMs);
}
