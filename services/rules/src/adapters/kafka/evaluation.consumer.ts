import { EVENT_TYPES, topicName } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { BatchConsumer, parseReadingEvents, type ConsumedEvent, type DeadLetter, type EventProducer, type Kafka } from '@geopulse/kafka';
import { injectTraceHeaders, metric, type ComponentLogger } from '@geopulse/observability';
import { inParallel, type DeviceInput, type EvaluateDevice, type EvaluationStats } from '../../application/evaluate-device';
import type { DeviceStateStore } from '../../application/ports';
import { parseGeofenceTransition } from './parsers';

const evaluations = metric.counter('geopulse_rules_evaluations_total', 'Rule evaluations', ['trigger']);
const transitions = metric.counter('geopulse_rules_alert_transitions_total', 'Alert START/STOP transitions published', ['trigger']);
const conflicts = metric.counter('geopulse_rules_state_conflicts_total', 'Device state writes retried after a concurrent change');
const timerFailures = metric.counter('geopulse_rules_timer_failures_total', 'Timer evaluations that failed (retried on the next tick)');

const DEVICE_CONCURRENCY = 32;

/**
 * The keyed side: readings and geofence transitions (group `geopulse-rules`, keyed by device),
 * evaluated per device in order; devices of a batch in parallel. Timers of the telemetry
 * partitions this replica owns re-evaluate time-dependent rules of silent devices.
 */
export class EvaluationConsumer {
  private readonly consumer: BatchConsumer;
  private readonly telemetryTopic: string;
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    kafka: Kafka,
    settings: KafkaSettings,
    producer: EventProducer,
    private readonly log: ComponentLogger,
    private readonly evaluator: EvaluateDevice,
    private readonly states: DeviceStateStore,
    groupId: string,
    private readonly timerTickMs: number,
    private readonly clock: () => number,
  ) {
    this.telemetryTopic = topicName('telemetry', settings.topicPrefix);
    this.consumer = new BatchConsumer(kafka, settings, producer, log, {
      groupId,
      topics: ['telemetry', 'geofenceEvents'],
      handler: async (events, batch) => this.handle(events, batch.topic, batch.partition),
    });
  }

  start(): void {
    this.consumer.start();
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.timerTickMs / 2)));
  }

  healthy(): boolean {
    return this.consumer.healthy();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.consumer.stop();
  }

  private async handle(events: readonly ConsumedEvent[], topic: string, partition: number): Promise<{ deadLetters: DeadLetter[] }> {
    const inputs: Array<{ tenantId: string; deviceId: string; input: DeviceInput }> = [];
    let deadLetters: DeadLetter[] = [];
    const traceparentOf = (record: ConsumedEvent) => injectTraceHeaders({}, record.traceContext).traceparent;
    if (topic === this.telemetryTopic) {
      const parsed = parseReadingEvents(events, (reading, record) => {
        const traceparent = traceparentOf(record);
        return { tenantId: reading.tenantId, deviceId: reading.deviceId, input: { kind: 'reading' as const, reading, ...(traceparent ? { traceparent } : {}) } };
      });
      inputs.push(...parsed.readings);
      deadLetters = parsed.deadLetters;
    } else {
      for (const record of events) {
        try {
          if (record.event.type !== EVENT_TYPES.geofenceTransition) {
            deadLetters.push({ record, reason: 'unexpected-type', detail: record.event.type });
            continue;
          }
          const transition = parseGeofenceTransition(record.event.data);
          const traceparent = traceparentOf(record);
          inputs.push({ tenantId: transition.tenantId, deviceId: transition.deviceId, input: { kind: 'geofence', transition, ...(traceparent ? { traceparent } : {}) } });
        } catch (err) {
          deadLetters.push({ record, reason: 'invalid-geofence-transition', detail: (err as Error).message });
        }
      }
    }
    const byDevice = new Map<string, { tenantId: string; deviceId: string; partition: number; inputs: DeviceInput[] }>();
    for (const { tenantId, deviceId, input } of inputs) {
      const key = `${tenantId}:${deviceId}`;
      const entry = byDevice.get(key) ?? { tenantId, deviceId, partition, inputs: [] };
      entry.inputs.push(input);
      byDevice.set(key, entry);
    }
    if (byDevice.size > 0) this.count('event', await this.evaluator.processMany([...byDevice.values()], DEVICE_CONCURRENCY));
    return { deadLetters };
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const partition of this.consumer.assignment().get(this.telemetryTopic) ?? []) {
        const due = await this.states.dueTimers(partition, this.clock(), 500);
        await inParallel(due, DEVICE_CONCURRENCY, async ({ tenantId, deviceId }) => {
          try {
            this.count('timer', await this.evaluator.timer(tenantId, deviceId, partition));
          } catch (err) {
            timerFailures.inc();
            this.log.warn('timer evaluation failed; retrying on the next tick', { tenantId, deviceId, error: (err as Error).message });
          }
        });
      }
    } catch (err) {
      this.log.warn('timer tick failed; retrying on the next tick', { error: (err as Error).message });
    } finally {
      this.ticking = false;
    }
  }

  private count(trigger: string, stats: EvaluationStats): void {
    evaluations.inc({ trigger }, stats.evaluations);
    transitions.inc({ trigger }, stats.transitions);
    conflicts.inc(stats.conflicts);
  }
}
