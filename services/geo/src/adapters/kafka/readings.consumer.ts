import { topicName } from '@geopulse/contracts';
import type { KafkaSettings } from '@geopulse/config';
import { BatchConsumer, parseReadingEvents, type EventProducer, type Kafka } from '@geopulse/kafka';
import { metric, type ComponentLogger } from '@geopulse/observability';
import type { EvaluatePositions, PositionedReading } from '../../application/evaluate-positions';
import type { SerialQueue } from '../../application/serial-queue';

const evaluated = metric.counter('geopulse_geo_positions_evaluated_total', 'Positions evaluated against the geofence index');
const stale = metric.counter('geopulse_geo_stale_positions_total', 'Positions at or before the device’s last applied event time (ignored)');

/** `geopulse.telemetry.v1` (group `geopulse-geo`) -> EvaluatePositions, on the serial queue. */
export class ReadingsConsumer extends BatchConsumer {
  private readonly topic: string;

  constructor(kafka: Kafka, settings: KafkaSettings, producer: EventProducer, log: ComponentLogger, evaluate: EvaluatePositions, queue: SerialQueue) {
    super(kafka, settings, producer, log, {
      groupId: 'geopulse-geo',
      topics: ['telemetry'],
      handler: async (events) => {
        const { readings, deadLetters } = parseReadingEvents<PositionedReading>(events, (reading, record) =>
          reading.position ? { reading, partition: record.partition, traceContext: record.traceContext } : undefined,
        );
        const outcome = await queue.run(() => evaluate.execute(readings));
        evaluated.inc(outcome.evaluated);
        stale.inc(outcome.stale);
        return { deadLetters };
      },
    });
    this.topic = topicName('telemetry', settings.topicPrefix);
  }

  /** Telemetry partitions this replica owns now (their DWELL timers are its job). */
  ownedPartitions(): number[] {
    return [...(this.assignment().get(this.topic) ?? [])];
  }
}
