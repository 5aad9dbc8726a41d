import { deviceRecordKey, EVENT_TYPES, eventSource, type TelemetryReading } from '@geopulse/contracts';
import { EventProducer, RecordTooLargeError } from '@geopulse/kafka';
import type { ReadingPublisher } from '../../application/accept-readings';
import { IngestError } from '../../domain/ingest-error';

/**
 * Readings as `io.geopulse.telemetry.reading.v1` CloudEvents; the reading id is the event id.
 * All or nothing: a reading over Kafka's request limit refuses the whole publish before
 * anything is sent (READING_TOO_LARGE, a 413), never a 202 for a reading that was not stored.
 */
export class KafkaReadingPublisher implements ReadingPublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(readings: readonly TelemetryReading[]): Promise<void> {
    try {
      await this.send(readings);
    } catch (err) {
      if (!(err instanceof RecordTooLargeError)) throw err;
      throw new IngestError(
        'READING_TOO_LARGE',
        `${err.indexes.length} reading(s) exceed the ${this.producer.maxRequestBytes()}-byte record limit; nothing was accepted`,
        err.indexes.map((index) => ({ index, path: '', message: `the reading exceeds the ${this.producer.maxRequestBytes()}-byte record limit` })),
      );
    }
  }

  private async send(readings: readonly TelemetryReading[]): Promise<void> {
    await this.producer.publish(
      'telemetry',
      readings.map((reading) => ({
        key: deviceRecordKey(reading.tenantId, reading.deviceId),
        event: {
          specversion: '1.0' as const,
          id: reading.id,
          source: eventSource('ingest'),
          type: EVENT_TYPES.reading,
          time: reading.ts,
          subject: reading.deviceId,
          datacontenttype: 'application/json' as const,
          data: reading,
        },
      })),
      { oversize: 'reject' },
    );
  }
}
