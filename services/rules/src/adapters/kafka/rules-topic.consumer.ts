import { BatchConsumer, broadcastGroupId, inOffsetOrder, type DeadLetter, type EventProducer, type Kafka } from '@geopulse/kafka';
import type { KafkaSettings } from '@geopulse/config';
import type { ComponentLogger } from '@geopulse/observability';
import type { Rule } from '@geopulse/contracts';
import type { SyncRules } from '../../application/sync-rules';
import { parseRuleChanged } from './parsers';

/**
 * The broadcast side: every replica reads the whole compacted rules topic with a group of its
 * own (unique per process, from the beginning), so each holds every rule; a batch's rules and
 * tombstones are applied in offset order.
 */
export class RulesTopicConsumer {
  private readonly consumer: BatchConsumer;

  constructor(kafka: Kafka, settings: KafkaSettings, producer: EventProducer, log: ComponentLogger, sync: SyncRules) {
    this.consumer = new BatchConsumer(kafka, settings, producer, log, {
      groupId: broadcastGroupId('geopulse-rules-broadcast'),
      topics: ['rules'],
      fromBeginning: true,
      handler: async (events, batch) => {
        const records: Array<{ rule: Rule } | { tombstone: string }> = [];
        const deadLetters: DeadLetter[] = [];
        for (const item of inOffsetOrder(events, batch.tombstones)) {
          if (item.kind === 'tombstone') {
            records.push({ tombstone: item.tombstone.key });
            continue;
          }
          try {
            records.push({ rule: parseRuleChanged(item.record.event.type, item.record.event.data) });
          } catch (err) {
            deadLetters.push({ record: item.record, reason: 'invalid-rule-change', detail: (err as Error).message });
          }
        }
        sync.applyTopic(records);
        return { deadLetters };
      },
    });
  }

  start(): void {
    this.consumer.start();
  }

  healthy(): boolean {
    return this.consumer.healthy();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }
}
