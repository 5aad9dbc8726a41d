import { Controller, Inject, Injectable } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { CEDAR_AUTHORIZER, CedarAuthorizer } from '@geopulse/auth';
import type { KafkaSettings } from '@geopulse/config';
import { parsePolicySetChanged, topicName, type PolicySetChangedData } from '@geopulse/contracts';
import { type DeadLetter, type Kafka } from '@geopulse/kafka';
import type { JsonLogger } from '@geopulse/observability';
import { BatchEventPattern, type ConsumedBatch } from './kafka-batch.transport';
import { KAFKA, KAFKA_SETTINGS, LOGGER } from './platform.providers';

/** End offsets of a topic's partitions (the admin client's answer, as numbers). */
export type EndOffsets = () => Promise<ReadonlyArray<{ partition: number; high: bigint }>>;

/**
 * How far this process has applied `geopulse.policies.v1`. Its readiness check (`policies`)
 * passes once every record the topic held at the first check has been applied, and stays
 * passed: a replica that has not yet read a tenant's policies would decide with the built-in
 * policies alone and miss the tenant's forbids, so it gets no traffic until then.
 */
export class PolicyReplayProgress {
  private readonly applied = new Map<number, bigint>();
  private target?: Promise<ReadonlyArray<{ partition: number; high: bigint }>>;
  private caughtUp = false;

  constructor(private readonly endOffsets: EndOffsets) {}

  /** A record at this offset of this partition was applied (or dead-lettered). */
  applyAt(partition: number, offset: bigint): void {
    if (offset + 1n > (this.applied.get(partition) ?? 0n)) this.applied.set(partition, offset + 1n);
  }

  async check(): Promise<{ ok: boolean; error?: string }> {
    if (this.caughtUp) return { ok: true };
    this.target ??= this.endOffsets().catch((err: Error) => {
      this.target = undefined;
      throw err;
    });
    let ends: ReadonlyArray<{ partition: number; high: bigint }>;
    try {
      ends = await this.target;
    } catch (err) {
      return { ok: false, error: `the policies topic's end offsets are unknown: ${(err as Error).message}` };
    }
    const behind = ends.filter((e) => (this.applied.get(e.partition) ?? 0n) < e.high);
    if (behind.length > 0) return { ok: false, error: `tenant policies not yet read to the end (${behind.length} partition(s) behind)` };
    this.caughtUp = true;
    return { ok: true };
  }
}

/** The Nest provider of this process's PolicyReplayProgress, over the Kafka admin client. */
@Injectable()
export class PolicyReplay extends PolicyReplayProgress {
  constructor(@Inject(KAFKA) kafka: Kafka, @Inject(KAFKA_SETTINGS) settings: KafkaSettings) {
    super(async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(topicName('policies', settings.topicPrefix));
        return offsets.map((o) => ({ partition: o.partition, high: BigInt(o.high) }));
      } finally {
        await admin.disconnect();
      }
    });
  }
}

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

  constructor(
    @Inject(CEDAR_AUTHORIZER) authorizer: CedarAuthorizer,
    @Inject(LOGGER) logger: JsonLogger,
    @Inject(PolicyReplay) private readonly progress: PolicyReplay,
  ) {
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
      this.progress.applyAt(batch.partition, BigInt(record.offset));
    }
    for (const tombstone of batch.tombstones) this.progress.applyAt(batch.partition, BigInt(tombstone.offset));
    return { deadLetters };
  }
}
