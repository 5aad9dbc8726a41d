import { EVENT_TYPES, eventSource, type Geofence, type GeofenceChangedData } from '@geopulse/contracts';
import type { EventProducer } from '@geopulse/kafka';
import type { GeofenceChangePublisher } from '../../application/ports';

export const geofenceRecordKey = (tenantId: string, id: string) => `${tenantId}:${id}`;

/** `geopulse.geofences.v1`: the fence as `io.geopulse.geofence.changed.v1`, a tombstone on delete. */
export class KafkaGeofenceChangePublisher implements GeofenceChangePublisher {
  constructor(private readonly producer: EventProducer) {}

  async changed(fences: readonly Geofence[]): Promise<void> {
    if (fences.length === 0) return;
    await this.producer.publish<GeofenceChangedData>(
      'geofences',
      fences.map((geofence) => ({
        key: geofenceRecordKey(geofence.tenantId, geofence.id),
        event: {
          specversion: '1.0',
          id: `${geofence.tenantId}:${geofence.id}:${geofence.version}`,
          source: eventSource('geo'),
          type: EVENT_TYPES.geofenceChanged,
          time: geofence.updatedAt,
          subject: geofence.id,
          datacontenttype: 'application/json',
          data: { geofence },
        },
      })),
    );
  }

  async deleted(tenantId: string, id: string): Promise<void> {
    await this.producer.publishRaw(this.producer.topic('geofences'), [{ key: geofenceRecordKey(tenantId, id), value: null, headers: {} }]);
  }
}
