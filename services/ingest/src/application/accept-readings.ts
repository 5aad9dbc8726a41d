import { randomUUID } from 'node:crypto';
import { checkReadings, DEFAULT_READING_LIMITS, type Reading, type TelemetryReading } from '@geopulse/contracts';
import { IngestError } from '../domain/ingest-error';
import { readingsOfBody } from '../domain/telemetry-body';

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

/** Validates a telemetry request all-or-nothing and publishes it; returns the reading ids. */
export class AcceptReadings {
  constructor(
    private readonly publisher: ReadingPublisher,
    private readonly limits: AcceptReadingsLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  async execute(command: AcceptReadingsCommand): Promise<{ accepted: number; ids: string[] }> {
    const items = readingsOfBody(command.contentType, command.body, this.limits.maxBatch);
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
    const receivedAt = new Date(now).toISOString();
    const readings = result.readings.map((r: Reading): TelemetryReading => ({ ...r, tenantId: command.tenantId, receivedAt }));
    try {
      await this.publisher.publish(readings);
    } catch (err) {
      throw new IngestError('KAFKA_UNAVAILABLE', `telemetry could not be stored (${(err as Error).message}); nothing was accepted, retry later`);
    }
    return { accepted: readings.length, ids: readings.map((r) => r.id) };
  }
}
