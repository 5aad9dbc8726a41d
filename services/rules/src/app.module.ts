import { Inject, Injectable, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { KafkaSettings } from '@geopulse/config';
import { broadcastGroupId, EventProducer } from '@geopulse/kafka';
import type { JsonLogger } from '@geopulse/observability';
import type { RedisClient } from '@geopulse/redis';
import { KAFKA_SETTINGS, PlatformModule, REDIS } from '@geopulse/service-runtime';
import { EvaluateDevice } from './application/evaluate-device';
import { ListAlerts } from './application/list-alerts';
import { ManageRules } from './application/manage-rules';
import { SyncRules } from './application/sync-rules';
import { ALERT_REPOSITORY, CLOCK, DEVICE_STATE_STORE, RULES_RUNTIME as RUNTIME, RULES_SETTINGS } from './application/tokens';
import { AlertsController, RulesController } from './adapters/http/rules.controller';
import { ALERT_LOG_CONSUMER, AlertLogConsumer } from './adapters/kafka/alert-log.consumer';
import { EVALUATION_CONSUMER, RULES_GROUP_ID, EvaluationConsumer, RuleTimers } from './adapters/kafka/evaluation.consumer';
import { RULES_TOPIC_CONSUMER, RulesTopicConsumer } from './adapters/kafka/rules-topic.consumer';
import { RulesRuntime } from './adapters/rules.runtime';
import type { RulesConfig } from './config';

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
    controllers: [RulesController, AlertsController, EvaluationConsumer, RulesTopicConsumer, AlertLogConsumer],
    // Both start once the rule set is loaded: no reading is evaluated without the rules.
    consumers: {
      inject: [RUNTIME],
      useFactory: (runtime: RulesRuntime) => ({
        [EVALUATION_CONSUMER]: { groupId: RULES_GROUP_ID, startAfter: () => runtime.loaded.opened },
        [RULES_TOPIC_CONSUMER]: { groupId: broadcastGroupId('geopulse-rules-broadcast'), fromBeginning: true, startAfter: () => runtime.loaded.opened },
        // The alerts table, off the evaluation path (decision 0400).
        [ALERT_LOG_CONSUMER]: { groupId: `${RULES_GROUP_ID}-alert-log`, startAfter: () => runtime.loaded.opened },
      }),
    },
    providers: [
      {
        provide: RUNTIME,
        useFactory: (settings: KafkaSettings, producer: EventProducer, redis: RedisClient) => new RulesRuntime(config, logger, settings, producer, redis),
        inject: [KAFKA_SETTINGS, EventProducer, REDIS],
      },
      { provide: CLOCK, useValue: () => Date.now() },
      { provide: RULES_SETTINGS, useValue: config.rules },
      { provide: EvaluateDevice, useFactory: (runtime: RulesRuntime) => runtime.evaluator, inject: [RUNTIME] },
      { provide: DEVICE_STATE_STORE, useFactory: (runtime: RulesRuntime) => runtime.states, inject: [RUNTIME] },
      { provide: SyncRules, useFactory: (runtime: RulesRuntime) => runtime.sync, inject: [RUNTIME] },
      RuleTimers,
      { provide: ManageRules, useFactory: (runtime: RulesRuntime) => runtime.manageRules, inject: [RUNTIME] },
      { provide: ALERT_REPOSITORY, useFactory: (runtime: RulesRuntime) => runtime.alerts, inject: [RUNTIME] },
      { provide: ListAlerts, useFactory: (runtime: RulesRuntime) => new ListAlerts(runtime.alerts, config.rules.traceUrlTemplate ?? ''), inject: [RUNTIME] },
      RulesLifecycle,
    ],
    readiness: { inject: [RUNTIME], useFactory: (runtime: RulesRuntime) => runtime.readiness() },
  });
}
