/**
 * Event-time progress of one device: the newest event time among its readings so far (in
 * partition order). A device's window closes when its own progress passes the window's end
 * plus the out-of-orderness bound; a reading for a closed window is late, and too late once the
 * device's progress is past the window's end plus the allowed lateness. Other devices' clocks
 * play no part (docs/decisions/0204).
 *
 * Stored twice with the device (like a watermark, see docs/decisions/0201): `confirmed` is the
 * progress after a batch known to be committed, `provisional` the one after the latest batch
 * that had the device's readings. A batch that starts after the provisional offset proves that
 * batch committed; one that starts at or before it is a replay and must see the progress the
 * first run saw. So every reading is judged the same however often it is delivered.
 */
export interface ProgressMark {
  /** Newest event time (ms) of the device's readings up to and including `offset`; null before any. */
  eventTime: number | null;
  /** Partition offset of the device's last reading covered; -1 before any. */
  offset: number;
}

export interface StoredProgress {
  confirmed: ProgressMark;
  provisional: ProgressMark;
}

export const NO_PROGRESS: StoredProgress = { confirmed: { eventTime: null, offset: -1 }, provisional: { eventTime: null, offset: -1 } };

/** The progress a batch starting at `firstOffset` must start from, and what is now confirmed. */
export function progressBefore(stored: StoredProgress, firstOffset: number): { start: ProgressMark; confirmed: ProgressMark } {
  if (stored.provisional.offset < firstOffset) return { start: stored.provisional, confirmed: stored.provisional };
  if (stored.confirmed.offset < firstOffset) return { start: stored.confirmed, confirmed: stored.confirmed };
  // An offset reset to before everything we know: start again from nothing.
  return { start: NO_PROGRESS.confirmed, confirmed: NO_PROGRESS.confirmed };
}

export interface LatenessBounds {
  /** How far past a window's end the device's progress must go before the window closes. */
  outOfOrdernessMs: number;
  /** How far past a window's end the device's progress may go while a reading still revises it. */
  allowedLatenessMs: number;
}

export type Lateness = 'on-time' | 'late' | 'too-late';

/** A reading for the window ending at `windowEnd`, judged by its device's progress before it. */
export function classify(windowEnd: number, progress: number | null, bounds: LatenessBounds): Lateness {
  if (progress === null || windowEnd + bounds.outOfOrdernessMs > progress) return 'on-time';
  return windowEnd + bounds.allowedLatenessMs > progress ? 'late' : 'too-late';
}

/** Whether the device's progress has closed the window ending at `windowEnd`. */
export function isClosed(windowEnd: number, progress: number | null, outOfOrdernessMs: number): boolean {
  return progress !== null && windowEnd + outOfOrdernessMs <= progress;
}
