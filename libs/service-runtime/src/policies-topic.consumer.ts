import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { CEDAR_AUTHORIZER, CedarAuthorizer } from '@geopulse/auth';
import { parsePolicySetChanged, type PolicySetChangedData } from '@geopulse/contracts';
import { type DeadLetter } from '@geopulse/kafka';
import type { JsonLogger } from '@geopulse/observability';
import { BatchEventPattern, type ConsumedBatch } from './kafka-batch.transport';
import { LOGGER } from './platform.providers';

/** Every service's broadcast reader of `geopulse.policies.v1` (one group per process). */
export const POLICIES_TOPIC_CONSUMER = 'policies-topic-consumer';

/**
 * Applies tenants' policy sets to this process's Cedar authorizer, newest version only (a
 * record written late by a slower ingest replica never rolls a set back).
 */
export class TenantPolicySync {
  private readonly versions = new Map<string, number>();

  constructor(
    private readonly authorizer: CedarAuthorizer,
    private readonly log?: JsonLogger,
  ) {}

  apply(change: PolicySetChangedData): boolean {
    if ((this.versions.get(change.tenantId) ?? -1) >= change.version) return false;
    this.versions.set(change.tenantId, change.version);
    const { rejected } = this.authorizer.setTenantPolicies(
      change.tenantId,
      change.policies.map((p) => ({ id: p.id, text: p.policy })),
    );
    for (const r of rejected) this.log?.emit('warn', 'tenant policy left out', { component: 'authorization', tenant: change.tenantId, policyId: r.id, error: r.errors.join('; ') });
    this.log?.emit('info', 'tenant policies applied', { component: 'authorization', tenant: change.tenantId, version: change.version, policies: change.policies.length - rejected.length });
    return true;
  }
}

@ApiExcludeController()
@Controller()
export class PoliciesTopicConsumer {
  private readonly sync: TenantPolicySync;

  constructor(@Inject(CEDAR_AUTHORIZER) authorizer: CedarAuthorizer, @Inject(LOGGER) logger: JsonLogger) {
    this.sync = new TenantPolicySync(authorizer, logger);
  }

  @BatchEventPattern('policies', POLICIES_TOPIC_CONSUMER)
  changes(@Payload() batch: ConsumedBatch): { deadLetters: DeadLetter[] } {
    const deadLetters: DeadLetter[] = [];
    for (const record of batch.events) {
      try {
        this.sync.apply(parsePolicySetChanged(record.event.data));
      } catch (err) {
        deadLetters.push({ record, reason: 'invalid-policy-set', detail: (err as Error).message });
      }
    }
    return { deadLetters };
  }
}
