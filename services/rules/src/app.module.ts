import { randomUUID } from 'node:crypto';
import type { DynamicModule } from '@nestjs/common';
import type { KafkaSettings } from '@geopulse/config';
import { topicName } from '@geopulse/contracts';
import { createDynamoClients, RegistryDeviceDirectory } from '@geopulse/dynamo';
import { broadcastGroupId, EventProducer } from '@geopulse/kafka';
import { metric, type JsonLogger } from '@geopulse/observability';
import type { RedisClient } from '@geopulse/redis';
import { KAFKA_SETTINGS, PlatformModule, REDIS } from '@geopulse/service-runtime';
import { EvaluateDevice } from './application/evaluate-device';
import { EvaluationErrorLog } from './application/evaluation-error-log';
import { ListAlerts } from './application/list-alerts';
import { BacktestRules } from './application/backtest-rules';
import { ExplainRules } from './application/explain-rules';
import { ManageRules } from './application/manage-rules';
import type { AlertRepository, Clock, DeviceStateStore, RuleChangePublisher, RuleRepository } from './application/ports';
import { RuleBook } from './application/rule-book';
import { SyncRules } from './application/sync-rules';
import { ALERT_REPOSITORY, CLOCK, DEVICE_STATE_STORE, DYNAMO, RULE_CHANGE_PUBLISHER, RULE_REPOSITORY, RULES_SETTINGS } from './application/tokens';
import { DynamoAlertRepository } from './adapters/dynamo/alerts.repository';
import { DynamoBacktestJobStore } from './adapters/dynamo/backtest-jobs.store';
import { DynamoDeviceCatalog, DynamoReadingHistory } from './adapters/dynamo/history.reader';
import { DynamoRuleRepository } from './adapters/dynamo/rules.repository';
import { AlertsController, RulesController } from './adapters/http/rules.controller';
import { JexlEngine } from './adapters/jexl/jexl-engine';
import { ALERT_LOG_CONSUMER, AlertLogConsumer } from './adapters/kafka/alert-log.consumer';
import { KafkaAlertPublisher } from './adapters/kafka/alerts.publisher';
import { EVALUATION_CONSUMER, RULES_GROUP_ID, EvaluationConsumer, RuleTimers } from './adapters/kafka/evaluation.consumer';
import { RULES_TOPIC_CONSUMER, RulesTopicConsumer } from './adapters/kafka/rules-topic.consumer';
import { KafkaRuleChangePublisher } from './adapters/kafka/rules.publisher';
import { RedisDeviceStateStore } from './adapters/redis/device-state.store';
import { RulesStartUp, type RulesDynamo } from './adapters/rules.start-up';
import type { RulesConfig } from './config';

const evaluationErrors = metric.counter('geopulse_rules_evaluation_errors_total', 'Rule evaluations that threw (shown on the rule as lastError)');
const compileErrors = metric.counter('geopulse_rules_compile_errors_total', 'Stored rule versions that did not compile (not applied)');

/** The rules service's object graph, as Nest providers like every other service's (start order: RulesStartUp). */
export function rulesModule(config: RulesConfig, logger: JsonLogger): DynamicModule {
  const settings = config.rules;
  const clock: Clock = () => Date.now();
  const log = logger.child('rules');
  const engine = new JexlEngine();
  const dynamo: RulesDynamo = { ...createDynamoClients(config.dynamo), tablePrefix: config.dynamo.tablePrefix };
  const directory = new RegistryDeviceDirectory(dynamo.doc, dynamo.tablePrefix, settings.deviceCacheTtlMs, clock);
  const replicaId = randomUUID();
  return PlatformModule.register({
    service: 'rules',
    logger,
    kafka: config.kafka,
    auth: config.auth,
    redisUrl: config.redisUrl,
    controllers: [RulesController, AlertsController, EvaluationConsumer, RulesTopicConsumer, AlertLogConsumer],
    // All three start once the rule set is loaded: no reading is evaluated without the rules.
    consumers: {
      inject: [RulesStartUp],
      useFactory: (startUp: RulesStartUp) => ({
        [EVALUATION_CONSUMER]: { groupId: RULES_GROUP_ID, startAfter: () => startUp.loaded.opened },
        [RULES_TOPIC_CONSUMER]: { groupId: broadcastGroupId('geopulse-rules-broadcast'), fromBeginning: true, startAfter: () => startUp.loaded.opened },
        // The alerts table, off the evaluation path (decision 0400).
        [ALERT_LOG_CONSUMER]: { groupId: `${RULES_GROUP_ID}-alert-log`, startAfter: () => startUp.loaded.opened },
      }),
    },
    providers: [
      { provide: CLOCK, useValue: clock },
      { provide: RULES_SETTINGS, useValue: settings },
      { provide: DYNAMO, useValue: dynamo },
      { provide: RULE_REPOSITORY, useFactory: () => new DynamoRuleRepository(dynamo.doc, dynamo.tablePrefix) },
      { provide: ALERT_REPOSITORY, useFactory: () => new DynamoAlertRepository(dynamo.doc, dynamo.tablePrefix) },
      { provide: RULE_CHANGE_PUBLISHER, inject: [EventProducer], useFactory: (producer: EventProducer) => new KafkaRuleChangePublisher(producer) },
      {
        provide: RuleBook,
        useFactory: () =>
          new RuleBook(engine, settings.expressionLimits, clock, (rule, err) => {
            compileErrors.inc();
            log.error('stored rule does not compile; not applied', { tenantId: rule.tenantId, ruleId: rule.id, version: rule.version, error: err.message });
          }),
      },
      {
        provide: DEVICE_STATE_STORE,
        inject: [REDIS, KAFKA_SETTINGS],
        useFactory: (redis: RedisClient, kafka: KafkaSettings) => new RedisDeviceStateStore(redis, topicName('telemetry', kafka.topicPrefix), settings.stateCacheBytes),
      },
      { provide: EvaluationErrorLog, inject: [RULE_REPOSITORY], useFactory: (repository: RuleRepository) => new EvaluationErrorLog(repository, clock) },
      {
        provide: EvaluateDevice,
        inject: [RuleBook, DEVICE_STATE_STORE, EventProducer, EvaluationErrorLog],
        useFactory: (book: RuleBook, states: DeviceStateStore, producer: EventProducer, errors: EvaluationErrorLog) =>
          new EvaluateDevice(
            book,
            states,
            directory,
            new KafkaAlertPublisher(producer),
            { minuteMs: settings.minuteMs, timerTickMs: settings.timerTickMs, timerHorizonMs: settings.timerHorizonMs },
            clock,
            (rule, deviceId, message) => {
              evaluationErrors.inc();
              errors.record(rule, deviceId, message);
            },
          ),
      },
      {
        provide: SyncRules,
        inject: [RuleBook, RULE_REPOSITORY, RULE_CHANGE_PUBLISHER, DEVICE_STATE_STORE, EvaluateDevice],
        useFactory: (book: RuleBook, repository: RuleRepository, publisher: RuleChangePublisher, states: DeviceStateStore, evaluator: EvaluateDevice) =>
          new SyncRules(book, repository, publisher, states, evaluator, clock, settings.reconcileMs, (rule, err) =>
            log.warn('closing open alerts of a rule failed; retried at the next reconciliation', { ruleId: rule.id, error: err.message }),
          ),
      },
      {
        provide: ManageRules,
        inject: [RULE_REPOSITORY, RULE_CHANGE_PUBLISHER, RuleBook],
        useFactory: (repository: RuleRepository, publisher: RuleChangePublisher, book: RuleBook) =>
          new ManageRules(repository, publisher, book, engine, settings.expressionLimits, settings.minuteMs, clock, () => randomUUID(), settings.maxPerTenant),
      },
      { provide: ListAlerts, inject: [ALERT_REPOSITORY], useFactory: (alerts: DynamoAlertRepository) => new ListAlerts(alerts, settings.traceUrlTemplate ?? '') },
      {
        provide: BacktestRules,
        useFactory: () =>
          new BacktestRules(
            engine,
            settings.expressionLimits,
            new DynamoReadingHistory(dynamo.doc, dynamo.tablePrefix),
            directory,
            new DynamoDeviceCatalog(dynamo.doc, dynamo.tablePrefix),
            new DynamoBacktestJobStore(dynamo.doc, dynamo.tablePrefix, clock),
            settings.backtest,
            clock,
            replicaId,
            () => randomUUID(),
            (jobId, err) => log.error('backtest job failed', { jobId, error: err.message }),
          ),
      },
      {
        provide: ExplainRules,
        inject: [RULE_REPOSITORY, ALERT_REPOSITORY, DEVICE_STATE_STORE],
        useFactory: (repository: RuleRepository, alerts: AlertRepository, states: DeviceStateStore) =>
          new ExplainRules(engine, settings.expressionLimits, repository, alerts, new DynamoReadingHistory(dynamo.doc, dynamo.tablePrefix), states, directory, {
            ...settings.backtest,
            lookbackMinutes: settings.explainLookbackMinutes,
          }, clock),
      },
      RuleTimers,
      RulesStartUp,
    ],
    readiness: { inject: [RulesStartUp], useFactory: (startUp: RulesStartUp) => startUp.readiness() },
  });
}
