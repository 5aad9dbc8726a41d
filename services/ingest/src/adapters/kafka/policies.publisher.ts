import { EVENT_TYPES, eventSource, type PolicySetChangedData } from '@geopulse/contracts';
import type { EventProducer } from '@geopulse/kafka';
import type { PolicySetPublisher } from '../../application/manage-policies';

/** A tenant's whole policy set on the compacted `geopulse.policies.v1`, keyed by tenant. */
export class KafkaPolicySetPublisher implements PolicySetPublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(set: PolicySetChangedData): Promise<void> {
    await this.producer.publish<PolicySetChangedData>('policies', [
      {
        key: set.tenantId,
        event: {
          specversion: '1.0' as const,
          id: `${set.tenantId}:policies:${set.version}`,
          source: eventSource('ingest'),
          type: EVENT_TYPES.policySetChanged,
          time: new Date().toISOString(),
          subject: set.tenantId,
          datacontenttype: 'application/json' as const,
          data: set,
        },
      },
    ]);
  }
}
