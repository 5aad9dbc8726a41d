import type { DynamicModule } from '@nestjs/common';
import { EventProducer } from '@geopulse/kafka';
import type { JsonLogger } from '@geopulse/observability';
import { PlatformModule } from '@geopulse/service-runtime';
import { AcceptReadings } from './application/accept-readings';
import { TelemetryController } from './adapters/http/telemetry.controller';
import { KafkaReadingPublisher } from './adapters/kafka/reading.publisher';
import type { IngestConfig } from './config';

export function ingestModule(config: IngestConfig, logger: JsonLogger): DynamicModule {
  return PlatformModule.register({
    service: 'ingest',
    logger,
    kafka: config.kafka,
    auth: config.auth,
    producerSendTimeoutMs: config.ingest.produceTimeoutMs,
    controllers: [TelemetryController],
    providers: [
      {
        provide: AcceptReadings,
        useFactory: (producer: EventProducer) => new AcceptReadings(new KafkaReadingPublisher(producer), config.ingest),
        inject: [EventProducer],
      },
    ],
  });
}
