import { tenantKey, type RedisClient } from '@geopulse/redis';
import type { ReadingDedup } from '../../application/ports';

export const readingIdKey = (tenantId: string, id: string): string => tenantKey(tenantId, 'reading-id', id);

/** One key per written reading id (`SET NX PX`), so a retry within the window is recognised. */
export class RedisReadingDedup implements ReadingDedup {
  constructor(
    private readonly redis: RedisClient,
    private readonly windowMs: number,
  ) {}

  async seen(tenantId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const values = await this.redis.mget(ids.map((id) => readingIdKey(tenantId, id)));
    return new Set(ids.filter((_, i) => values[i] !== null));
  }

  async mark(tenantId: string, ids: readonly string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.set(readingIdKey(tenantId, id), '1', 'PX', this.windowMs, 'NX');
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }
}
