import { randomUUID } from 'node:crypto';
import type { KafkaSettings } from '@geopulse/config';
import { topicName } from '@geopulse/contracts';
import { createDynamoClients, pingDynamo, RegistryDeviceDirectory } from '@geopulse/dynamo';
import type { EventProducer } from '@geopulse/kafka';
import { metric, type ComponentLogger, type JsonLogger } from '@geopulse/observability';
import type { RedisClient } from '@geopulse/redis';
import { Gate, retryStartUp } from '@geopulse/service-runtime';
import { EvaluateDevice } from '../application/evaluate-device';
import { ManageRules } from '../application/manage-rules';
import { RuleBook } from '../application/rule-book';
import { EvaluationErrorLog } from '../application/evaluation-error-log';
import { SyncRules } from '../application/sync-rules';
import type { RulesConfig } from '../config';
import { DynamoAlertRepository } from './dynamo/alerts.repository';
import { DynamoRuleRepository, ensureRulesTables } from './dynamo/rules.repository';
import { JexlEngine } from './jexl/jexl-engine';
import { KafkaAlertPublisher } from './kafka/alerts.publisher';
import { KafkaRuleChangePublisher } from './kafka/rules.publisher';
import { RedisDeviceStateStore } from './redis/device-state.store';

const evaluationErrors = metric.counter('geopulse_rules_evaluation_errors_total', 'Rule evaluations that threw (shown on the rule as lastError)');
const compileErrors = metric.counter('geopulse_rules_compile_errors_total', 'Stored rule versions that did not compile (not applied)');
const rulesLoaded = metric.gauge('geopulse_rules_loaded', 'Rules held by this replica');

/**
 * The service's object graph and its start order: tables, then the rule set from the table;
 * only then (`loaded`) do the rules topic (broadcast) and readings consumers start (the
 * transport waits on it), so no reading is evaluated before the rules are known.
 */
export class RulesRuntime {
  readonly manageRules: ManageRules;
  readonly alerts: DynamoAlertRepository;
  readonly sync: SyncRules;
  readonly evaluator: EvaluateDevice;
  readonly states: RedisDeviceStateStore;
  /** Opens once the rule set was read from the table. */
  readonly loaded = new Gate();
  private readonly log: ComponentLogger;
  private readonly dynamo: ReturnType<typeof createDynamoClients>;
  private readonly errors: EvaluationErrorLog;
  private readonly book: RuleBook;
  private readonly intervals: NodeJS.Timeout[] = [];
  private readonly tablePrefix: string;
  private readonly reconcileMs: number;
  private stopped = false;

  constructor(config: RulesConfig, logger: JsonLogger, kafkaSettings: KafkaSettings, producer: EventProducer, redis: RedisClient) {
    const settings = config.rules;
    const clock = (): number => Date.now();
    this.log = logger.child('rules-runtime');
    this.tablePrefix = config.dynamo.tablePrefix;
    this.reconcileMs = settings.reconcileMs;
    this.dynamo = createDynamoClients(config.dynamo);
    const engine = new JexlEngine();
    const repository = new DynamoRuleRepository(this.dynamo.doc, config.dynamo.tablePrefix);
    this.alerts = new DynamoAlertRepository(this.dynamo.doc, config.dynamo.tablePrefix);
    this.book = new RuleBook(engine, settings.expressionLimits, clock, (rule, err) => {
      compileErrors.inc();
      this.log.error('stored rule does not compile; not applied', { tenantId: rule.tenantId, ruleId: rule.id, version: rule.version, error: err.message });
    });
    // Current at every change (API, rules topic, reconcile), not only after a reconcile.
    this.book.onChange(() => rulesLoaded.set(this.book.size()));
    const states = new RedisDeviceStateStore(redis, topicName('telemetry', kafkaSettings.topicPrefix), settings.stateCacheBytes);
    this.states = states;
    this.errors = new EvaluationErrorLog(repository, clock);
    const evaluator = new EvaluateDevice(
      this.book,
      states,
      new RegistryDeviceDirectory(this.dynamo.doc, config.dynamo.tablePrefix, settings.deviceCacheTtlMs, clock),
      new KafkaAlertPublisher(producer),
      { minuteMs: settings.minuteMs, timerTickMs: settings.timerTickMs, timerHorizonMs: settings.timerHorizonMs },
      clock,
      (rule, deviceId, message) => {
        evaluationErrors.inc();
        this.errors.record(rule, deviceId, message);
      },
    );
    this.evaluator = evaluator;
    const rulePublisher = new KafkaRuleChangePublisher(producer);
    this.sync = new SyncRules(this.book, repository, rulePublisher, states, evaluator, clock, settings.reconcileMs, (rule, err) =>
      this.log.warn('closing open alerts of a rule failed; retried at the next reconciliation', { ruleId: rule.id, error: err.message }),
    );
    this.manageRules = new ManageRules(repository, rulePublisher, this.book, engine, settings.expressionLimits, settings.minuteMs, clock, () => randomUUID());
    this.intervals.push(setInterval(() => void this.errors.flush().catch((err: Error) => this.log.warn('recording rule errors failed', { error: err.message })), 1000));
  }

  async start(): Promise<void> {
    const loaded = await retryStartUp(
      this.log,
      'loading rules from the table failed',
      async () => {
        await ensureRulesTables(this.dynamo.client, this.tablePrefix);
        await this.reconcile();
      },
      () => this.stopped,
    );
    if (!loaded) return;
    this.loaded.open();
    this.intervals.push(setInterval(() => void this.reconcile().catch((err: Error) => this.log.warn('reconciliation failed', { error: err.message })), this.reconcileMs));
  }

  private async reconcile(): Promise<void> {
    const outcome = await this.sync.reconcile();
    rulesLoaded.set(this.book.size());
    if (outcome.applied + outcome.removed + outcome.republished > 0) this.log.info('reconciled rules with the table', outcome);
  }

  readiness(): Array<{ name: string; check: () => Promise<{ ok: boolean; error?: string }> }> {
    return [
      { name: 'dynamodb', check: () => pingDynamo(this.dynamo.client) },
      { name: 'rules-loaded', check: async () => (this.loaded.isOpened ? { ok: true } : { ok: false, error: 'rules not loaded from the table yet' }) },
    ];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const interval of this.intervals) clearInterval(interval);
    await this.errors.flush().catch(() => undefined);
    this.dynamo.client.destroy();
  }
}
