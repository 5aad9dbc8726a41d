import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { EVENT_TYPES, parseAlertEventData, type AlertEventData } from '@geopulse/contracts';
import type { DeadLetter } from '@geopulse/kafka';
import { BatchEventPattern, type ConsumedBatch } from '@geopulse/service-runtime';
import type { AlertRepository } from '../../application/ports';
import { ALERT_REPOSITORY } from '../../application/tokens';

/** The consumer that keeps the alerts table, and its readiness check's name. */
export const ALERT_LOG_CONSUMER = 'alert-log-consumer';

/**
 * The alerts table (`GET /v1/alerts`) is a projection of `geopulse.alerts.v1`, written by a
 * consumer group of its own (`geopulse-rules-alert-log`): evaluation publishes alerts and
 * moves on, never waiting for DynamoDB. Records are idempotent by alert id (START creates the
 * FIRING item if absent, STOP resolves it), so a redelivered batch changes nothing.
 */
@ApiExcludeController()
@Controller()
export class AlertLogConsumer {
  constructor(@Inject(ALERT_REPOSITORY) private readonly alerts: AlertRepository) {}

  @BatchEventPattern('alerts', ALERT_LOG_CONSUMER)
  async alertsChanged(@Payload() batch: ConsumedBatch): Promise<{ deadLetters: DeadLetter[] }> {
    const records: AlertEventData[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const record of batch.events) {
      if (record.event.type !== EVENT_TYPES.alert) {
        deadLetters.push({ record, reason: 'unexpected-type', detail: record.event.type });
        continue;
      }
      try {
        const alert = parseAlertEventData(record.event.data);
        // The alerts table lists episodes (START..STOP); INSUFFICIENT_DATA is a notification only.
        if (alert.status !== 'INSUFFICIENT_DATA') records.push(alert);
      } catch (err) {
        deadLetters.push({ record, reason: 'invalid-alert', detail: (err as Error).message });
      }
    }
    if (records.length > 0) await this.alerts.record(records);
    return { deadLetters };
  }
}
