import { EVENT_TYPES, eventSource, ruleRecordKey, type Rule, type RuleChangedData } from '@geopulse/contracts';
import type { EventProducer } from '@geopulse/kafka';
import type { RuleChangePublisher } from '../../application/ports';

/** Rule changes on the compacted rules topic: the whole rule per key, a tombstone on delete. */
export class KafkaRuleChangePublisher implements RuleChangePublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(rule: Rule): Promise<void> {
    await this.producer.publish<RuleChangedData>('rules', [
      {
        key: ruleRecordKey(rule.tenantId, rule.id),
        event: {
          specversion: '1.0' as const,
          id: `${rule.tenantId}:${rule.id}:${rule.version}`,
          source: eventSource('rules'),
          type: EVENT_TYPES.ruleChanged,
          time: rule.updatedAt,
          subject: rule.id,
          datacontenttype: 'application/json' as const,
          data: { rule },
        },
      },
    ]);
  }

  async publishDeleted(tenantId: string, ruleId: string): Promise<void> {
    await this.producer.publishRaw(this.producer.topic('rules'), [{ key: ruleRecordKey(tenantId, ruleId), value: null, headers: {} }]);
  }
}
