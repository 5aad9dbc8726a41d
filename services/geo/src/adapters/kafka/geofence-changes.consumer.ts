import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EVENT_TYPES, topicName, type Geofence } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { BatchConsumer, type DeadLetter, type EventProducer, type Kafka } from '@geopulse/kafka';
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
      groupId: `geopulse-geo-fences-${hostname()}-${randomUUID().slice(0, 8)}`,
      topics: ['geofences'],
      fromBeginning: true,
      handler: async (events, batch) => {
        const deadLetters: DeadLetter[] = [];
        const ordered = [
          ...events.map((record) => ({ offset: BigInt(record.offset), apply: async () => {
            const fence = (record.event.data as { geofence?: unknown } | null)?.geofence;
            if (record.event.type !== EVENT_TYPES.geofenceChanged || !isFence(fence)) {
              deadLetters.push({ record, reason: 'invalid-geofence-change', detail: record.event.type });
              return;
            }
            catalog.applyChanged(fence);
          } })),
          ...batch.tombstones.map((t) => ({ offset: BigInt(t.offset), apply: async () => {
            const at = t.key.indexOf(':');
            if (at > 0) await catalog.applyTombstone(t.key.slice(0, at), t.key.slice(at + 1));
          } })),
        ].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
        for (const item of ordered) {
          await item.apply();
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
