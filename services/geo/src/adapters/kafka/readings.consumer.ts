import { EVENT_TYPES, parseTelemetryReading, topicName } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { BatchConsumer, type ConsumedEvent, type DeadLetter, type EventProducer, type Kafka } from '@geopulse/kafka';
import { metric, type ComponentLogger } from '@geopulse/observability';
import type { EvaluatePositions, PositionedReading } from '../../application/evaluate-positions';
import type { SerialQueue } from '../../application/serial-queue';

const evaluated = metric.counter('geopulse_geo_positions_evaluated_total', 'Positions evaluated against the geofence index');
const stale = metric.counter('geopulse_geo_stale_positions_total', 'Positions at or before the device’s last applied event time (ignored)');

/** One parser for the telemetry topic: readings with a position, or dead letters. */
export function parsePositionedReadings(events: readonly ConsumedEvent[]): { readings: PositionedReading[]; deadLetters: DeadLetter[] } {
  const readings: PositionedReading[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const record of events) {
    if (record.event.type !== EVENT_TYPES.reading) {
      deadLetters.push({ record, reason: 'unexpected-type', detail: record.event.type });
      continue;
    }
    try {
      const reading = parseTelemetryReading(record.event.data);
      if (reading.position) readings.push({ reading, partition: record.partition, traceContext: record.traceContext });
    } catch (err) {
      deadLetters.push({ record, reason: 'invalid-reading', detail: (err as Error).message });
    }
  }
  return { readings, deadLetters };
}

/** `geopulse.telemetry.v1` (group `geopulse-geo`) -> EvaluatePositions, on the serial queue. */
export class ReadingsConsumer {
  private readonly consumer: BatchConsumer;
  private readonly topic: string;

  constructor(kafka: Kafka, settings: KafkaSettings, producer: EventProducer, log: ComponentLogger, evaluate: EvaluatePositions, queue: SerialQueue) {
    this.topic = topicName('telemetry', settings.topicPrefix);
    this.consumer = new BatchConsumer(kafka, settings, producer, log, {
      groupId: 'geopulse-geo',
      topics: ['telemetry'],
      handler: async (events) => {
        const { readings, deadLetters } = parsePositionedReadings(events);
        const outcome = await queue.run(() => evaluate.execute(readings));
        evaluated.inc(outcome.evaluated);
        stale.inc(outcome.stale);
        return { deadLetters };
      },
    });
  }

  /** Telemetry partitions this replica owns now (their DWELL timers are its job). */
  ownedPartitions(): number[] {
    return [...(this.consumer.assignment().get(this.topic) ?? [])];
  }

  start(): void {
    this.consumer.start();
  }

  healthy(): boolean {
    return this.consumer.healthy();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }
}
