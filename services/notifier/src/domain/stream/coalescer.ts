/**
 * At most one item per key per interval, the newest winning: the first item of a quiet key
 * goes out at once, later ones within the interval are held (each replacing the one held
 * before) and go out when the interval since the last send has passed. Used per client for
 * `position` and `state` events, keyed by type and device.
 */
export class Coalescer<T extends { seq: number }> {
  private readonly lastSent = new Map<string, number>();
  private readonly held = new Map<string, { item: T; due: number }>();

  constructor(private readonly intervalMs: number) {}

  /** `send` when the item may go out now; otherwise it is held until `due`. */
  offer(key: string, item: T, now: number): { send: true } | { send: false; due: number } {
    const last = this.lastSent.get(key);
    if (this.intervalMs <= 0 || last === undefined || now - last >= this.intervalMs) {
      this.held.delete(key);
      this.lastSent.set(key, now);
      this.forgetOld(now);
      return { send: true };
    }
    const due = last + this.intervalMs;
    this.held.set(key, { item, due });
    return { send: false, due };
  }

  /** Held items whose time has come, oldest sequence first; they count as sent now. */
  takeDue(now: number): T[] {
    const out: T[] = [];
    for (const [key, { item, due }] of this.held) {
      if (due <= now) {
        out.push(item);
        this.held.delete(key);
        this.lastSent.set(key, now);
      }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** When the next held item is due; undefined when none is held. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const { due } of this.held.values()) if (next === undefined || due < next) next = due;
    return next;
  }

  /** The smallest sequence number still held (a resume cursor must stay below it). */
  minHeldSeq(): number | undefined {
    let min: number | undefined;
    for (const { item } of this.held.values()) if (min === undefined || item.seq < min) min = item.seq;
    return min;
  }

  /** Keys quiet for longer than the interval need no memory: their next item goes out at once. */
  private forgetOld(now: number): void {
    if (this.lastSent.size < 4096) return;
    for (const [key, at] of this.lastSent) if (now - at >= this.intervalMs && !this.held.has(key)) this.lastSent.delete(key);
  }
}
