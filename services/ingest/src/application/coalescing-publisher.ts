import type { TelemetryReading } from '@geopulse/contracts';
import { IngestError } from '../domain/ingest-error';
import type { ReadingPublisher } from './accept-readings';

interface Waiting {
  readings: readonly TelemetryReading[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Natural batching: while one send is in flight, later calls queue up and go out together
 * in the next send (up to `maxRecords`, never splitting a call). Every caller resolves only
 * when the send carrying its readings was acknowledged, and fails with it. Order of calls is
 * kept, so one device's readings stay in order. Used by the MQTT bridge, where each message is
 * small and a send per message would cost the broker a request per reading.
 */
export class CoalescingPublisher implements ReadingPublisher {
  private readonly queue: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly inner: ReadingPublisher,
    private readonly maxRecords = 2000,
  ) {}

  publish(readings: readonly TelemetryReading[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ readings, resolve, reject });
      if (!this.sending) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const batch: Waiting[] = [this.queue.shift()!];
        let count = batch[0].readings.length;
        while (this.queue.length > 0 && count + this.queue[0].readings.length <= this.maxRecords) {
          const next = this.queue.shift()!;
          count += next.readings.length;
          batch.push(next);
        }
        try {
          await this.inner.publish(batch.flatMap((w) => w.readings));
          for (const w of batch) w.resolve();
        } catch (err) {
          if (batch.length > 1 && err instanceof IngestError && err.code === 'READING_TOO_LARGE') {
            // Only the caller with the oversize reading fails; the others' readings go alone.
            for (const w of batch) await this.inner.publish(w.readings).then(w.resolve, w.reject);
            continue;
          }
          for (const w of batch) w.reject(err as Error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
