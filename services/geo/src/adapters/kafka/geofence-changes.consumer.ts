import { Controller, Inject, Injectable } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { EVENT_TYPES, topicName, type Geofence } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { inOffsetOrder, type DeadLetter, type Kafka } from '@geopulse/kafka';
import { BatchEventPattern, KAFKA, KAFKA_SETTINGS, type ConsumedBatch } from '@geopulse/service-runtime';
import { GeofenceCatalog } from '../../application/geofence-catalog';

/** The broadcast consumer (a group of its own per replica) and its readiness check's name. */
export const FENCES_CONSUMER = 'geofences-consumer';

const isFence = (v: unknown): v is Geofence =>
  typeof v === 'object' && v !== null && typeof (v as Geofence).id === 'string' && typeof (v as Geofence).tenantId === 'string' && typeof (v as Geofence).version === 'number' && typeof (v as Geofence).geometry === 'object';

/** How far this replica has applied the fence topic (one partition). */
@Injectable()
export class FenceReplay {
  /** Offset after the last record applied. */
  applied = 0n;
  private readonly topic: string;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(KAFKA_SETTINGS) settings: KafkaSettings,
  ) {
    this.topic = topicName('geofences', settings.topicPrefix);
  }

  /**
   * Resolves once every record the topic held when this was called has been applied, so that
   * readings are never evaluated against a replay still in progress (where a fence deleted
   * later in the log would briefly exist again).
   */
  async caughtUp(timeoutMs: number): Promise<boolean> {
    const admin = this.kafka.admin();
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

/**
 * Broadcast: every replica reads the whole compacted `geopulse.geofences.v1` from the
 * beginning under a group id of its own, and applies changes and tombstones in offset order.
 */
@ApiExcludeController()
@Controller()
export class GeofenceChangesConsumer {
  constructor(
    @Inject(GeofenceCatalog) private readonly catalog: GeofenceCatalog,
    @Inject(FenceReplay) private readonly replay: FenceReplay,
  ) {}

  @BatchEventPattern('geofences', FENCES_CONSUMER)
  async changes(@Payload() batch: ConsumedBatch): Promise<{ deadLetters: DeadLetter[] }> {
    const deadLetters: DeadLetter[] = [];
    for (const item of inOffsetOrder(batch.events, batch.tombstones)) {
      if (item.kind === 'value') {
        const { record } = item;
        const fence = (record.event.data as { geofence?: unknown } | null)?.geofence;
        if (record.event.type !== EVENT_TYPES.geofenceChanged || !isFence(fence)) {
          deadLetters.push({ record, reason: 'invalid-geofence-change', detail: record.event.type });
        } else {
          this.catalog.applyChanged(fence);
        }
      } else {
        const key = item.tombstone.key;
        const at = key.indexOf(':');
        if (at > 0) await this.catalog.applyTombstone(key.slice(0, at), key.slice(at + 1));
      }
      this.replay.applied = item.offset + 1n;
    }
    return { deadLetters };
  }
}
