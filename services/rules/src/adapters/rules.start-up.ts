import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { pingDynamo, type createDynamoClients } from '@geopulse/dynamo';
import { metric, type ComponentLogger, type JsonLogger } from '@geopulse/observability';
import { Gate, LOGGER, retryStartUp } from '@geopulse/service-runtime';
import { EvaluationErrorLog } from '../application/evaluation-error-log';
import { RuleBook } from '../application/rule-book';
import { SyncRules } from '../application/sync-rules';
import { DYNAMO, RULES_SETTINGS } from '../application/tokens';
import type { RulesSettings } from '../config';
import { ensureRulesTables } from './dynamo/rules.repository';

/** The service's DynamoDB clients and its table prefix (one per process, built in app.module). */
export type RulesDynamo = ReturnType<typeof createDynamoClients> & { tablePrefix: string };

const rulesLoaded = metric.gauge('geopulse_rules_loaded', 'Rules held by this replica');

/**
 * The rules service's start order: tables, then the rule set from the table; only then
 * (`loaded`) do the rules topic (broadcast) and readings consumers start (the transport waits
 * on it), so no reading is evaluated before the rules are known. Then, on timers: reconciliation
 * with the table and the evaluation-error log's flush.
 */
@Injectable()
export class RulesStartUp implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Opens once the rule set was read from the table. */
  readonly loaded = new Gate();
  private readonly log: ComponentLogger;
  private readonly intervals: NodeJS.Timeout[] = [];
  private started?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(LOGGER) logger: JsonLogger,
    @Inject(DYNAMO) private readonly dynamo: RulesDynamo,
    @Inject(RULES_SETTINGS) private readonly settings: RulesSettings,
    @Inject(RuleBook) private readonly book: RuleBook,
    @Inject(SyncRules) private readonly sync: SyncRules,
    @Inject(EvaluationErrorLog) private readonly errors: EvaluationErrorLog,
  ) {
    this.log = logger.child('rules-start-up');
    // Current at every change (API, rules topic, reconcile), not only after a reconcile.
    book.onChange(() => rulesLoaded.set(book.size()));
  }

  onApplicationBootstrap(): void {
    this.intervals.push(setInterval(() => void this.errors.flush().catch((err: Error) => this.log.warn('recording rule errors failed', { error: err.message })), 1000));
    // In the background: the HTTP server starts and reports not-ready until rules are loaded.
    this.started = this.start();
  }

  private async start(): Promise<void> {
    const loaded = await retryStartUp(
      this.log,
      'loading rules from the table failed',
      async () => {
        await ensureRulesTables(this.dynamo.client, this.dynamo.tablePrefix);
        await this.reconcile();
      },
      () => this.stopped,
    );
    if (!loaded) return;
    this.loaded.open();
    this.intervals.push(setInterval(() => void this.reconcile().catch((err: Error) => this.log.warn('reconciliation failed', { error: err.message })), this.settings.reconcileMs));
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

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const interval of this.intervals) clearInterval(interval);
    await this.started;
    await this.errors.flush().catch(() => undefined);
    this.dynamo.client.destroy();
  }
}
