import { Controller, Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { EVENT_TYPES, parseGeofenceTransitionData, topicName } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { parseReadingEvents, type ConsumedEvent, type DeadLetter } from '@geopulse/kafka';
import { injectTraceHeaders, metric, type ComponentLogger, type JsonLogger } from '@geopulse/observability';
import { BatchEventPattern, KAFKA_SETTINGS, KafkaConsumers, LOGGER, OwnedPartitionsTicker, type ConsumedBatch } from '@geopulse/service-runtime';
import { EvaluateDevice, type DeviceInput, type EvaluationStats } from '../../application/evaluate-device';
import { inParallel } from '../../application/in-parallel';
import type { DeviceStateStore } from '../../application/ports';
import { CLOCK, DEVICE_STATE_STORE, RULES_SETTINGS } from '../../application/tokens';
import type { RulesSettings } from '../../config';

/** The keyed consumer group (readings and geofence transitions, keyed by device) and its readiness check's name. */
export const EVALUATION_CONSUMER = 'evaluation-consumer';
/** Consumer group of readings and geofence events (with the topic prefix, as every group). */
export const RULES_GROUP_ID = 'geopulse-rules';

const evaluations = metric.counter('geopulse_rules_evaluations_total', 'Rule evaluations', ['trigger']);
const transitions = metric.counter('geopulse_rules_alert_transitions_total', 'Alert START/STOP transitions published', ['trigger']);
const conflicts = metric.counter('geopulse_rules_state_conflicts_total', 'Device state writes retried after a concurrent change');
const timerFailures = metric.counter('geopulse_rules_timer_failures_total', 'Timer evaluations that failed (retried on the next tick)');

const DEVICE_CONCURRENCY = 32;

function count(trigger: string, stats: EvaluationStats): void {
  evaluations.inc({ trigger }, stats.evaluations);
  transitions.inc({ trigger }, stats.transitions);
  conflicts.inc(stats.conflicts);
}

type DeviceBatch = Array<{ tenantId: string; deviceId: string; input: DeviceInput }>;
const traceparentOf = (record: ConsumedEvent): string | undefined => injectTraceHeaders({}, record.traceContext).traceparent;

/**
 * The keyed side (group `geopulse-rules` by default): readings and geofence transitions,
 * evaluated per device in order, devices of a batch in parallel. A whole fetched batch per
 * call; the transport commits after it resolves.
 */
@ApiExcludeController()
@Controller()
export class EvaluationConsumer {
  constructor(@Inject(EvaluateDevice) private readonly evaluator: EvaluateDevice) {}

  @BatchEventPattern('telemetry', EVALUATION_CONSUMER)
  async readings(@Payload() batch: ConsumedBatch): Promise<{ deadLetters: DeadLetter[] }> {
    const parsed = parseReadingEvents(batch.events, (reading, record) => {
      const traceparent = traceparentOf(record);
      return { tenantId: reading.tenantId, deviceId: reading.deviceId, input: { kind: 'reading' as const, reading, ...(traceparent ? { traceparent } : {}) } };
    });
    await this.evaluate(parsed.readings, batch.partition);
    return { deadLetters: parsed.deadLetters };
  }

  @BatchEventPattern('geofenceEvents', EVALUATION_CONSUMER)
  async geofenceEvents(@Payload() batch: ConsumedBatch): Promise<{ deadLetters: DeadLetter[] }> {
    const inputs: DeviceBatch = [];
    const deadLetters: DeadLetter[] = [];
    for (const record of batch.events) {
      try {
        // Forecasts share the topic (keyed by device, in order); rules act on transitions only.
        if (record.event.type === EVENT_TYPES.geofenceForecast) continue;
        if (record.event.type !== EVENT_TYPES.geofenceTransition) {
          deadLetters.push({ record, reason: 'unexpected-type', detail: record.event.type });
          continue;
        }
        const transition = parseGeofenceTransitionData(record.event.data);
        const traceparent = traceparentOf(record);
        inputs.push({ tenantId: transition.tenantId, deviceId: transition.deviceId, input: { kind: 'geofence', transition, ...(traceparent ? { traceparent } : {}) } });
      } catch (err) {
        deadLetters.push({ record, reason: 'invalid-geofence-transition', detail: (err as Error).message });
      }
    }
    await this.evaluate(inputs, batch.partition);
    return { deadLetters };
  }

  private async evaluate(inputs: DeviceBatch, partition: number): Promise<void> {
    const byDevice = new Map<string, { tenantId: string; deviceId: string; partition: number; inputs: DeviceInput[] }>();
    for (const { tenantId, deviceId, input } of inputs) {
      const key = `${tenantId}:${deviceId}`;
      const entry = byDevice.get(key) ?? { tenantId, deviceId, partition, inputs: [] };
      entry.inputs.push(input);
      byDevice.set(key, entry);
    }
    if (byDevice.size > 0) count('event', await this.evaluator.processMany([...byDevice.values()], DEVICE_CONCURRENCY));
  }
}

/** Timers of the telemetry partitions this replica owns: time-dependent rules of silent devices. */
@Injectable()
export class RuleTimers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: ComponentLogger;
  private readonly ticker: OwnedPartitionsTicker;

  constructor(
    @Inject(KAFKA_SETTINGS) kafkaSettings: KafkaSettings,
    @Inject(LOGGER) logger: JsonLogger,
    consumers: KafkaConsumers,
    @Inject(EvaluateDevice) private readonly evaluator: EvaluateDevice,
    @Inject(DEVICE_STATE_STORE) private readonly states: DeviceStateStore,
    @Inject(RULES_SETTINGS) private readonly settings: RulesSettings,
    @Inject(CLOCK) private readonly clock: () => number,
  ) {
    this.log = logger.child('rule-timers');
    this.ticker = new OwnedPartitionsTicker(consumers, EVALUATION_CONSUMER, topicName('telemetry', kafkaSettings.topicPrefix), this.log, 'timer tick');
  }

  onApplicationBootstrap(): void {
    this.ticker.start(Math.max(50, Math.floor(this.settings.timerTickMs / 2)), (partitions) => this.tick(partitions));
  }

  onModuleDestroy(): void {
    this.ticker.stop();
  }

  private async tick(partitions: readonly number[]): Promise<void> {
    for (const partition of partitions) {
      const due = await this.states.dueTimers(partition, this.clock(), 500);
      await inParallel(due, DEVICE_CONCURRENCY, async ({ tenantId, deviceId }) => {
        try {
          count('timer', await this.evaluator.timer(tenantId, deviceId, partition));
        } catch (err) {
          timerFailures.inc();
          this.log.warn('timer evaluation failed; retrying on the next tick', { tenantId, deviceId, error: (err as Error).message });
        }
      });
    }
  }
}
