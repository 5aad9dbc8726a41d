import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { BatchConsumer, type DeadLetter, type EventProducer, type Kafka } from '@geopulse/kafka';
import type { KafkaSettings } from '@geopulse/config';
import type { ComponentLogger } from '@geopulse/observability';
import type { Rule } from '@geopulse/contracts';
import type { SyncRules } from '../../application/sync-rules';
import { parseRuleChanged } from './parsers';

/**
 * The broadcast side: every replica reads the whole compacted rules topic with a group of its
 * own (unique per process, from the beginning), so each holds every rule.
 */
export class RulesTopicConsumer {
  private readonly consumer: BatchConsumer;

  constructor(kafka: Kafka, settings: KafkaSettings, producer: EventProducer, log: ComponentLogger, sync: SyncRules) {
    this.consumer = new BatchConsumer(kafka, settings, producer, log, {
      groupId: `geopulse-rules-broadcast-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
      topics: ['rules'],
      fromBeginning: true,
      handler: async (events, batch) => {
        const rules: Rule[] = [];
        const deadLetters: DeadLetter[] = [];
        for (const record of events) {
          try {
            rules.push(parseRuleChanged(record.event.type, record.event.data));
          } catch (err) {
            deadLetters.push({ record, reason: 'invalid-rule-change', detail: (err as Error).message });
          }
        }
        sync.applyTopic(rules, batch.tombstones.map((t) => t.key));
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
