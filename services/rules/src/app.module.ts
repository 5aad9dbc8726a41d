import { Inject, Injectable, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { KafkaSettings } from '@geopulse/config';
import { EventProducer, type Kafka } from '@geopulse/kafka';
import type { JsonLogger } from '@geopulse/observability';
import type { RedisClient } from '@geopulse/redis';
import { KAFKA, KAFKA_SETTINGS, PlatformModule, REDIS } from '@geopulse/service-runtime';
import { ManageRules } from './application/manage-rules';
import { ALERT_REPOSITORY, AlertsController, RulesController, TRACE_URL_TEMPLATE } from './adapters/http/rules.controller';
import { RulesRuntime } from './adapters/rules.runtime';
import type { RulesConfig } from './config';

const RUNTIME = Symbol('RULES_RUNTIME');

@Injectable()
class RulesLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(RUNTIME) private readonly runtime: RulesRuntime) {}

  onApplicationBootstrap(): void {
    // In the background: the HTTP server starts and reports not-ready until rules are loaded.
    void this.runtime.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}

export function rulesModule(config: RulesConfig, logger: JsonLogger): DynamicModule {
  return PlatformModule.register({
    service: 'rules',
    logger,
    kafka: config.kafka,
    auth: config.auth,
    redisUrl: config.redisUrl,
    controllers: [RulesController, AlertsController],
    providers: [
      {
        provide: RUNTIME,
        useFactory: (kafka: Kafka, settings: KafkaSettings, producer: EventProducer, redis: RedisClient) => new RulesRuntime(config, logger, kafka, settings, producer, redis),
        inject: [KAFKA, KAFKA_SETTINGS, EventProducer, REDIS],
      },
      { provide: ManageRules, useFactory: (runtime: RulesRuntime) => runtime.manageRules, inject: [RUNTIME] },
      { provide: ALERT_REPOSITORY, useFactory: (runtime: RulesRuntime) => runtime.alerts, inject: [RUNTIME] },
      { provide: TRACE_URL_TEMPLATE, useValue: config.rules.traceUrlTemplate ?? '' },
      RulesLifecycle,
    ],
    readiness: { inject: [RUNTIME], useFactory: (runtime: RulesRuntime) => runtime.readiness() },
  });
}
