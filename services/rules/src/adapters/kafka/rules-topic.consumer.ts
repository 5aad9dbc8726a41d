import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Rule } from '@geopulse/contracts';
import { inOffsetOrder, type DeadLetter } from '@geopulse/kafka';
import { BatchEventPattern, type ConsumedBatch } from '@geopulse/service-runtime';
import { SyncRules } from '../../application/sync-rules';
import { parseRuleChanged } from './parsers';

/** The broadcast consumer (a group of its own per replica) and its readiness check's name. */
export const RULES_TOPIC_CONSUMER = 'rules-topic-consumer';

/**
 * The broadcast side: every replica reads the whole compacted rules topic with a group of its
 * own (unique per process, from the beginning), so each holds every rule; a batch's rules and
 * tombstones are applied in offset order.
 */
@ApiExcludeController()
@Controller()
export class RulesTopicConsumer {
  constructor(@Inject(SyncRules) private readonly sync: SyncRules) {}

  @BatchEventPattern('rules', RULES_TOPIC_CONSUMER)
  changes(@Payload() batch: ConsumedBatch): { deadLetters: DeadLetter[] } {
    const records: Array<{ rule: Rule } | { tombstone: string }> = [];
    const deadLetters: DeadLetter[] = [];
    for (const item of inOffsetOrder(batch.events, batch.tombstones)) {
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
    this.sync.applyTopic(records);
    return { deadLetters };
  }
}
