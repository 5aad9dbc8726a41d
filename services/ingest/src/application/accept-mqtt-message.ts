import type { DeadLetterReason } from '@geopulse/kafka';
import type { Device } from '../domain/device';
import { IngestError } from '../domain/ingest-error';
import { deviceOfTopic } from '../domain/mqtt-topic';
import { TtlCache } from '../domain/ttl-cache';
import type { AcceptedReadings, AcceptReadings } from './accept-readings';
import type { DeviceRepository } from './ports';

/** What the bridge does with a message: acknowledge it, dead-letter it (then acknowledge), refuse it (acknowledge, drop), or retry later. */
export type MqttOutcome =
  | { kind: 'accepted'; result: AcceptedReadings }
  | { kind: 'dead-letter'; reason: MqttDeadLetterReason; detail: string }
  | { kind: 'refused'; reason: 'NO_PUBLISHER_IDENTITY' | 'PUBLISHER_MISMATCH'; detail: string }
  | { kind: 'retry'; afterMs: number; reason: string };

/** Dead-letter reasons of the bridge: ingest's error code in the platform's catalogue form (`INVALID_READING` -> `invalid-reading`). */
export type MqttDeadLetterReason = Extract<DeadLetterReason, 'bad-topic' | 'unknown-device' | 'device-disabled' | 'malformed-json' | 'empty-body' | 'invalid-reading' | 'batch-too-large' | 'reading-too-large' | 'unsupported-media-type' | 'device-mismatch'>;

/**
 * Who published, as the broker says (docs/decisions/0103): `checked: false` when the broker
 * names no publisher (the bridge then relies on its ACL); otherwise the publisher's username,
 * or undefined when the message carries none.
 */
export type PublisherIdentity = { checked: false } | { checked: true; publisher: string | undefined };

/**
 * One MQTT message on `devices/<tenantId>:<deviceId>/telemetry`: the same payload and
 * validation as HTTP with the topic's device as the authenticated device. Unknown or
 * disabled devices and invalid payloads are dead-lettered; Kafka trouble and rate limits
 * ask the bridge to hold the message (unacknowledged) and retry.
 */
export class AcceptMqttMessage {
  private readonly devices: TtlCache<Device | null>;

  constructor(
    private readonly acceptReadings: AcceptReadings,
    private readonly repository: DeviceRepository,
    cache: { maxEntries: number; ttlMs: number },
  ) {
    this.devices = new TtlCache(cache.maxEntries, cache.ttlMs);
  }

  async execute(topic: string, payload: Buffer, identity: PublisherIdentity = { checked: false }): Promise<MqttOutcome> {
    const target = deviceOfTopic(topic);
    if (!target) return { kind: 'dead-letter', reason: 'bad-topic', detail: `topic ${topic} is not devices/<tenantId>:<deviceId>/telemetry` };
    const cacheKey = `${target.tenantId}:${target.deviceId}`;
    // Defence in depth: the broker's ACL already binds a device to its topic. A message that
    // names no publisher or another one is not the device's word: dropped, not dead-lettered.
    if (identity.checked && identity.publisher === undefined) {
      return { kind: 'refused', reason: 'NO_PUBLISHER_IDENTITY', detail: `message on ${topic} names no publisher` };
    }
    if (identity.checked && identity.publisher !== cacheKey) {
      return { kind: 'refused', reason: 'PUBLISHER_MISMATCH', detail: `message on ${topic} was published by another client` };
    }
    let device = this.devices.get(cacheKey);
    if (device === undefined) {
      try {
        device = (await this.repository.get(target.tenantId, target.deviceId)) ?? null;
      } catch (err) {
        return { kind: 'retry', afterMs: 1000, reason: `device registry: ${(err as Error).message}` };
      }
      this.devices.set(cacheKey, device);
    }
    if (device === null) return { kind: 'dead-letter', reason: 'unknown-device', detail: `no device ${target.deviceId} in tenant ${target.tenantId}` };
    if (!device.enabled) return { kind: 'dead-letter', reason: 'device-disabled', detail: `device ${target.deviceId} is disabled` };
    try {
      const result = await this.acceptReadings.execute({ tenantId: target.tenantId, deviceId: target.deviceId, contentType: 'application/json', body: payload });
      return { kind: 'accepted', result };
    } catch (err) {
      if (!(err instanceof IngestError)) throw err;
      switch (err.code) {
        case 'KAFKA_UNAVAILABLE':
        case 'OVERLOADED':
          return { kind: 'retry', afterMs: 1000, reason: err.code };
        case 'RATE_LIMITED':
          return { kind: 'retry', afterMs: (err.retryAfterSeconds ?? 1) * 1000, reason: err.code };
        case 'MALFORMED_JSON':
        case 'EMPTY_BODY':
        case 'INVALID_READING':
        case 'BATCH_TOO_LARGE':
        case 'READING_TOO_LARGE':
        case 'UNSUPPORTED_MEDIA_TYPE':
        case 'DEVICE_MISMATCH': {
          const issues = err.issues.map((i) => `[${i.index}]${i.path || '/'} ${i.message}`).join('; ');
          return { kind: 'dead-letter', reason: err.code.toLowerCase().replaceAll('_', '-') as MqttDeadLetterReason, detail: issues ? `${err.message}: ${issues}` : err.message };
        }
      }
    }
  }
}
