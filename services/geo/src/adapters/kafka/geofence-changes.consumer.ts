import { EVENT_TYPES, topicName, type Geofence } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { BatchConsumer, broadcastGroupId, inOffsetOrder, type DeadLetter, type EventProducer, type Kafka } from '@geopulse/kafka';
import type { ComponentLogger } from '@geopulse/observability';
import type { GeofenceCatalog } from '../../application/geofence-catalog';

const isFence = (v: unknown): v is Geofence =>
  typeof v === 'object' && v !== null && typeof (v as Geofence).id === 'string' && typeof (v as Geofence).tenantId === 'string' && typeof (v as Geofence).version === 'number' && typeof (v as Geofence).geometry === 'object';

/**
 * Broadcast: every replica reads the whole compacted `geopulse.geofences.v1` from the
 * beginning under a group id of its own, and applies changes and tombstones in offset order.
 */
export class GeofenceChangesConsumer extends BatchConsumer {
  /** Offset after the last record applied (the topic has one partition). */
  private applied = 0n;
  private readonly topic: string;

  constructor(
    private readonly kafkaClient: Kafka,
    settings: KafkaSettings,
    producer: EventProducer,
    log: ComponentLogger,
    catalog: GeofenceCatalog,
  ) {
    super(kafkaClient, settings, producer, log, {
      groupId: broadcastGroupId('geopulse-geo-fences'),
      topics: ['geofences'],
      fromBeginning: true,
      handler: async (events, batch) => {
        const deadLetters: DeadLetter[] = [];
        for (const item of inOffsetOrder(events, batch.tombstones)) {
          if (item.kind === 'value') {
            const { record } = item;
            const fence = (record.event.data as { geofence?: unknown } | null)?.geofence;
            if (record.event.type !== EVENT_TYPES.geofenceChanged || !isFence(fence)) {
              deadLetters.push({ record, reason: 'invalid-geofence-change', detail: record.event.type });
            } else {
              catalog.applyChanged(fence);
            }
          } else {
            const key = item.tombstone.key;
            const at = key.indexOf(':');
            if (at > 0) await catalog.applyTombstone(key.slice(0, at), key.slice(at + 1));
          }
          this.applied = item.offset + 1n;
        }
        return { deadLetters };
      },
    });
    this.topic = topicName('geofences', settings.topicPrefix);
  }

  /**
   * Resolves once every record the topic held when this was called has been applied, so that
   * readings are never evaluated against a replay still in progress (where a fence deleted
   * later in the log would briefly exist again).
   */
  async caughtUp(timeoutMs: number): Promise<boolean> {
    const admin = this.kafkaClient.admin();
    await admin.connect();
    let end: bigint;
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      end = offsets.reduce((max, o) => (BigInt(o.high) > max ? BigInt(o.high) : max), 0n);
    } finally {
      await admin.disconnect();
    }
    const deadline = Date.now() + timeoutMs;
    while (this.applied < end) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
  }
}
