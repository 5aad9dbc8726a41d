/**
 * Bounds concurrent work per replica: `tryEnter` says no at once when `max` requests are
 * already running, so overload answers fast instead of queueing without bound.
 */
export class InFlightLimit {
  private running = 0;

  constructor(readonly max: number) {}

  tryEnter(): boolean {
    if (this.running >= this.max) return false;
    this.running++;
    return true;
  }

  leave(): void {
    if (this.running > 0) this.running--;
  }

  get current(): number {
    return this.running;
  }
}
