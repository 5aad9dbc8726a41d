/**
 * Runs tasks one after another in this process. Readings, DWELL timers and fence-removal
 * exits all read-modify-write the same device states; the partition owner is the only
 * writer of its devices, and this queue keeps its own three paths from interleaving.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
