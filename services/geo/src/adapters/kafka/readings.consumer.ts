import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { parseReadingEvents, type DeadLetter } from '@geopulse/kafka';
import { metric } from '@geopulse/observability';
import { BatchEventPattern, type ConsumedBatch } from '@geopulse/service-runtime';
import { EvaluatePositions, type PositionedReading } from '../../application/evaluate-positions';
import { SerialQueue } from '../../application/serial-queue';

/** The keyed consumer (group `geopulse-geo`) and its readiness check's name. */
export const TELEMETRY_CONSUMER = 'telemetry-consumer';
export const GEO_GROUP_ID = 'geopulse-geo';

const evaluated = metric.counter('geopulse_geo_positions_evaluated_total', 'Positions evaluated against the geofence index');
const stale = metric.counter('geopulse_geo_stale_positions_total', 'Positions at or before the device’s last applied event time (ignored)');

/** `geopulse.telemetry.v1` batches -> EvaluatePositions, on the serial queue. */
@ApiExcludeController()
@Controller()
export class ReadingsConsumer {
  constructor(
    @Inject(EvaluatePositions) private readonly evaluate: EvaluatePositions,
    @Inject(SerialQueue) private readonly queue: SerialQueue,
  ) {}

  @BatchEventPattern('telemetry', TELEMETRY_CONSUMER)
  async readings(@Payload() batch: ConsumedBatch): Promise<{ deadLetters: DeadLetter[] }> {
    const { readings, deadLetters } = parseReadingEvents<PositionedReading>(batch.events, (reading, record) =>
      reading.position ? { reading, partition: record.partition, traceContext: record.traceContext } : undefined,
    );
    const outcome = await this.queue.run(() => this.evaluate.execute(readings));
    evaluated.inc(outcome.evaluated);
    stale.inc(outcome.stale);
    return { deadLetters };
  }
}
