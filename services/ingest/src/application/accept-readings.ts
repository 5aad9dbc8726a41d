import { randomUUID } from 'node:crypto';
import { checkReadings, DEFAULT_READING_LIMITS, type Reading, type TelemetryReading, type ValidationIssue } from '@geopulse/contracts';
import { IngestError } from '../domain/ingest-error';
import { readingsOfBody } from '../domain/telemetry-body';
import type { DeviceTagSource } from './device-tags';
import type { RateLimiter, ReadingDedup } from './ports';

/** Port: durably hands readings to the telemetry topic, or throws. */
export interface ReadingPublisher {
  publish(readings: readonly TelemetryReading[]): Promise<void>;
}

export interface AcceptReadingsCommand {
  tenantId: string;
  contentType: string | undefined;
  body: Buffer;
  /** Set when a device key authenticated the request: readings may only be for this device. */
  deviceId?: string;
}

export interface AcceptReadingsLimits {
  maxBatch: number;
  maxFutureSkewMs: number;
  maxAgeMs: number;
}

export interface AcceptedReadings {
  accepted: number;
  ids: string[];
  /** How many of `ids` had already been written within the dedup window (not written again). */
  duplicates: number;
}

/** Dedup and rate limiting are optional so the use case also runs without Redis (unit tests). */
export interface AcceptReadingsDependencies {
  dedup?: ReadingDedup;
  rateLimiter?: RateLimiter;
  /** The registry tags each reading carries (docs/decisions/0107). */
  tags?: DeviceTagSource;
  /**
   * Told when dedup or rate limiting could not run (Redis down), or the registry did not answer
   * for tags (the readings then go without `tags` and consumers read the registry): ingest keeps accepting.
   */
  onDegraded?: (what: 'dedup' | 'rate-limit' | 'tags', error: Error) => void;
}

/** Validates a telemetry request all-or-nothing and publishes it; returns the reading ids. */
export class AcceptReadings {
  constructor(
    private readonly publisher: ReadingPublisher,
    private readonly limits: AcceptReadingsLimits,
    private readonly clock: () => number = Date.now,
    private readonly deps: AcceptReadingsDependencies = {},
  ) {}

  async execute(command: AcceptReadingsCommand): Promise<AcceptedReadings> {
    const items = readingsOfBody(command.contentType, command.body, this.limits.maxBatch);
    if (command.deviceId !== undefined) checkOwnDevice(items, command.deviceId);
    const now = this.clock();
    const result = checkReadings(items, {
      now,
      limits: { ...DEFAULT_READING_LIMITS, maxFutureSkewMs: this.limits.maxFutureSkewMs, maxAgeMs: this.limits.maxAgeMs },
      authenticatedDeviceId: command.deviceId,
      newId: randomUUID,
    });
    if (!result.ok) {
      throw new IngestError('INVALID_READING', `${result.issues.length} problem(s) in the request; nothing was accepted`, result.issues);
    }
    await this.takeTokens(command.tenantId, result.readings);
    const receivedAt = new Date(now).toISOString();
    const tags = await this.tagsOf(command.tenantId, result.readings);
    const readings = result.readings.map((r: Reading): TelemetryReading => {
      const carried = tags.get(r.deviceId);
      return { ...r, tenantId: command.tenantId, receivedAt, ...(carried ? { tags: [...carried] } : {}) };
    });
    const ids = readings.map((r) => r.id);
    const seen = await this.seen(command.tenantId, ids);
    // Within one request the first occurrence of an id wins, like a retry of it would.
    const taken = new Set<string>(seen);
    const fresh = readings.filter((r) => !taken.has(r.id) && taken.add(r.id) !== undefined);
    if (fresh.length > 0) {
      try {
        await this.publisher.publish(fresh);
      } catch (err) {
        if (err instanceof IngestError && err.code === 'READING_TOO_LARGE') {
          // The publisher counts in `fresh`; the caller counts in its request.
          throw new IngestError(err.code, err.message, err.issues.map((issue) => ({ ...issue, index: readings.indexOf(fresh[issue.index]) })));
        }
        throw new IngestError('KAFKA_UNAVAILABLE', `telemetry could not be stored (${(err as Error).message}); nothing was accepted, retry later`);
      }
      await this.deps.dedup?.mark(command.tenantId, fresh.map((r) => r.id)).catch((err: Error) => this.deps.onDegraded?.('dedup', err));
    }
    return { accepted: readings.length, ids, duplicates: readings.length - fresh.length };
  }

  private async takeTokens(tenantId: string, readings: readonly Reading[]): Promise<void> {
    if (!this.deps.rateLimiter) return;
    const costs = new Map<string, number>();
    for (const r of readings) costs.set(r.deviceId, (costs.get(r.deviceId) ?? 0) + 1);
    let outcome: Awaited<ReturnType<RateLimiter['take']>>;
    try {
      outcome = await this.deps.rateLimiter.take(tenantId, costs);
    } catch (err) {
      this.deps.onDegraded?.('rate-limit', err as Error);
      return;
    }
    if (!outcome.allowed) {
      throw new IngestError(
        'RATE_LIMITED',
        `device ${outcome.deviceId} is over its rate; retry in ${outcome.retryAfterSeconds}s; nothing was accepted`,
        [],
        outcome.retryAfterSeconds,
      );
    }
  }

  private async tagsOf(tenantId: string, readings: readonly Reading[]): Promise<ReadonlyMap<string, readonly string[]>> {
    if (!this.deps.tags) return new Map();
    try {
      return await this.deps.tags.tagsOf(tenantId, readings.map((r) => r.deviceId));
    } catch (err) {
      this.deps.onDegraded?.('tags', err as Error);
      return new Map();
    }
  }

  private async seen(tenantId: string, ids: readonly string[]): Promise<Set<string>> {
    if (!this.deps.dedup) return new Set();
    try {
      return await this.deps.dedup.seen(tenantId, ids);
    } catch (err) {
      this.deps.onDegraded?.('dedup', err as Error);
      return new Set();
    }
  }
}

/** A device key writes only its own device: any other deviceId is refused, every one listed. */
function checkOwnDevice(items: readonly unknown[], deviceId: string): void {
  const issues: ValidationIssue[] = [];
  items.forEach((item, index) => {
    const named = typeof item === 'object' && item !== null ? (item as { deviceId?: unknown }).deviceId : undefined;
    if (named !== undefined && named !== deviceId) {
      issues.push({ index, path: '/deviceId', message: `this device key may only write device ${deviceId}` });
    }
  });
  if (issues.length > 0) throw new IngestError('DEVICE_MISMATCH', 'a device key may only write its own device; nothing was accepted', issues);
}
