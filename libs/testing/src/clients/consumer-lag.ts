import { Kafka, logLevel, type Admin } from 'kafkajs';

/** Lag of one consumer group on one partition: end offset minus committed offset. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset the broker will write. */
  end: bigint;
  /** Committed offset of the group; the partition's start when the group committed nothing. */
  committed: bigint;
  lag: bigint;
}

export interface GroupLag {
  groupId: string;
  total: bigint;
  partitions: PartitionLag[];
}

/**
 * Reads consumer-group lag the way operators do (kafka-consumer-groups --describe): for every
 * partition of the topics, the end offset minus the group's committed offset. A group that has
 * not committed on a partition lags by everything still on it (end minus low watermark).
 */
export class ConsumerLag {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;

  constructor(brokers: string | string[]) {
    const list = Array.isArray(brokers) ? brokers : brokers.split(',').map((b) => b.trim());
    this.admin = new Kafka({ clientId: 'geopulse-test-lag', brokers: list, logLevel: logLevel.NOTHING }).admin();
  }

  async of(groupId: string, topics: string[]): Promise<GroupLag> {
    this.connected ??= this.admin.connect();
    await this.connected;
    const committed = await this.admin.fetchOffsets({ groupId, topics });
    const partitions: PartitionLag[] = [];
    for (const topic of topics) {
      const ends = await this.admin.fetchTopicOffsets(topic);
      const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const end of ends) {
        const offset = mine.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const high = BigInt(end.high);
        const at = offset === '-1' ? BigInt(end.low) : BigInt(offset);
        partitions.push({ topic, partition: end.partition, end: high, committed: at, lag: high > at ? high - at : 0n });
      }
    }
    return { groupId, total: partitions.reduce((sum, p) => sum + p.lag, 0n), partitions };
  }

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect().catch(() => undefined);
  }
}
