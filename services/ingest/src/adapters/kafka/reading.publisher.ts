import { deviceRecordKey, EVENT_TYPES, eventSource, type TelemetryReading } from '@geopulse/contracts';
import { EventProducer } from '@geopulse/kafka';
import type { ReadingPublisher } from '../../application/accept-readings';

/** Readings as `io.geopulse.telemetry.reading.v1` CloudEvents; the reading id is the event id. */
export class KafkaReadingPublisher implements ReadingPublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(readings: readonly TelemetryReading[]): Promise<void> {
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
    );
  }
}
