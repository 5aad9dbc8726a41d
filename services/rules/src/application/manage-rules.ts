/**
 * Rule CRUD: the table is the source of truth, written first with a version check; then the
 * change is published on the compacted rules topic (tombstone on delete) and applied to this
 * replica's book at once. A crash between the two writes is repaired by reconciliation
 * (SyncRules), which every replica runs at start and periodically.
 */
import { tenantLimitMessage, type Rule } from '@geopulse/contracts';
import { applyReading, emptyHistory, type DeviceHistory } from '../domain/device-history';
import { evaluate, type Outcome } from '../domain/evaluation';
import type { ExpressionLimits, FunctionCall } from '../domain/expression';
import { checkRuleInput, compileExpression, type CompiledExpressionOf, type RuleIssue } from '../domain/rule';
import type { ExpressionEngine } from '../domain/evaluation';
import { RuleError } from '../domain/rule-error';
import type { Clock, RuleChangePublisher, RuleRepository, StoredRule } from './ports';
import type { RuleBook } from './rule-book';

export interface ValidationResult {
  valid: boolean;
  issues: RuleIssue[];
  functions?: FunctionCall[];
  metrics?: string[];
  timeDependent?: boolean;
  windowMinutes?: number;
  /** The outcome against the sample readings (the last one is "now"), when given. */
  result?: Outcome;
}

export class ManageRules {
  constructor(
    private readonly repository: RuleRepository,
    private readonly publisher: RuleChangePublisher,
    private readonly book: RuleBook,
    private readonly engine: ExpressionEngine,
    private readonly limits: ExpressionLimits,
    private readonly minuteMs: number,
    private readonly clock: Clock,
    private readonly newId: () => string,
    /** Rules one tenant may have (RULES_MAX_PER_TENANT). */
    private readonly maxPerTenant = Number.POSITIVE_INFINITY,
  ) {}

  /** `actor` is the `sub` of the operator token, recorded as createdBy/updatedBy. */
  async create(tenantId: string, raw: unknown, actor: string): Promise<Rule> {
    const { input, compiled } = this.check(raw);
    const id = input.id ?? this.newId();
    const existing = await this.repository.get(tenantId, id);
    if (existing && !existing.deleted) throw new RuleError('RULE_EXISTS', `rule ${id} exists; use PUT to change it`);
    // Counted before the write: concurrent creates may pass it by as many as run at once.
    if ((await this.repository.list(tenantId)).length >= this.maxPerTenant) {
      throw new RuleError('TENANT_LIMIT_REACHED', tenantLimitMessage('rules', this.maxPerTenant, 'RULES_MAX_PER_TENANT'));
    }
    const now = new Date(this.clock()).toISOString();
    const rule: Rule = {
      id, tenantId, name: input.name, expression: input.expression, status: input.status, severity: input.severity,
      target: input.target ?? {}, for: input.for, version: (existing?.version ?? 0) + 1, createdAt: now, updatedAt: now,
      createdBy: actor, updatedBy: actor,
    };
    await this.write(rule, existing?.version, compiled);
    return rule;
  }

  async replace(tenantId: string, id: string, raw: unknown, actor: string): Promise<Rule> {
    const { input, compiled } = this.check(raw);
    if (input.id !== undefined && input.id !== id) throw new RuleError('INVALID_RULE', 'id in the body differs from the path', [{ path: '/id', message: `must be ${id} or absent` }]);
    const existing = await this.existing(tenantId, id);
    const { lastError: _e, errorCount: _c, ...kept } = existing;
    const rule: Rule = {
      ...kept, name: input.name, expression: input.expression, status: input.status, severity: input.severity,
      target: input.target ?? {}, for: input.for, version: existing.version + 1, updatedAt: new Date(this.clock()).toISOString(), updatedBy: actor,
    };
    await this.write(rule, existing.version, compiled);
    return rule;
  }

  async remove(tenantId: string, id: string, actor: string): Promise<void> {
    const existing = await this.existing(tenantId, id);
    const marker: StoredRule = { ...existing, deleted: true, version: existing.version + 1, updatedAt: new Date(this.clock()).toISOString(), updatedBy: actor };
    await this.repository.put(marker, existing.version).catch(conflict(id));
    await this.publisher.publishDeleted(tenantId, id);
    this.book.apply(marker);
  }

  async get(tenantId: string, id: string): Promise<Rule> {
    const { deleted: _d, ...rule } = await this.existing(tenantId, id);
    return rule;
  }

  list(tenantId: string): Promise<Rule[]> {
    return this.repository.list(tenantId);
  }

  /** Checks an expression and, given sample readings, evaluates it as the evaluator would. */
  validate(raw: unknown): ValidationResult {
    const body = (typeof raw === 'object' && raw !== null ? raw : {}) as { expression?: unknown; readings?: unknown; device?: unknown; geofences?: unknown };
    if (typeof body.expression !== 'string') return { valid: false, issues: [{ path: '/expression', message: 'is required (a JEXL expression)' }] };
    const check = compileExpression(this.engine, body.expression, this.limits);
    if (!check.ok) return { valid: false, issues: check.issues.map((i) => ({ path: '/expression', message: i.message, position: i.position, code: i.code })) };
    const result: ValidationResult = {
      valid: true, issues: [], functions: check.analysis.calls, metrics: check.analysis.metrics,
      timeDependent: check.analysis.timeDependent, windowMinutes: check.analysis.windowMinutes,
    };
    const readings = Array.isArray(body.readings) ? (body.readings as Array<Record<string, unknown>>) : [];
    if (readings.length === 0) return result;
    let history: DeviceHistory = emptyHistory();
    let now = 0;
    for (const [index, reading] of readings.slice(0, 1000).entries()) {
      const ts = typeof reading.ts === 'number' ? reading.ts : Date.parse(String(reading.ts ?? ''));
      if (Number.isNaN(ts)) return { ...result, valid: false, issues: [{ path: `/readings/${index}/ts`, message: 'must be an ISO-8601 time or epoch ms' }] };
      history = applyReading(
        history,
        { id: String(index), ts, metrics: reading.metrics as DeviceHistory['latest'] | undefined, position: reading.position as DeviceHistory['position'] },
        Number.MAX_SAFE_INTEGER,
      ).history;
      now = Math.max(now, ts);
    }
    if (Array.isArray(body.geofences)) history = { ...history, geofences: body.geofences.map(String) };
    const device = (typeof body.device === 'object' && body.device !== null ? body.device : {}) as { tags?: unknown; attributes?: unknown };
    const info = {
      id: 'sample',
      tags: Array.isArray(device.tags) ? device.tags.map(String) : [],
      attributes: (typeof device.attributes === 'object' && device.attributes !== null ? device.attributes : {}) as Record<string, unknown>,
    };
    result.result = evaluate(check.expression, check.analysis, history, info, { now, minuteMs: this.minuteMs });
    return result;
  }

  private check(raw: unknown) {
    const check = checkRuleInput(raw, this.engine, this.limits);
    if (!check.ok) throw new RuleError('INVALID_RULE', 'the rule is invalid', check.issues);
    return check;
  }

  private async existing(tenantId: string, id: string): Promise<StoredRule> {
    const rule = await this.repository.get(tenantId, id);
    if (!rule || rule.deleted) throw new RuleError('RULE_NOT_FOUND', `no rule ${id}`);
    return rule;
  }

  /** `compiled`: the expression as the input check compiled it; the book reuses it (one compile per version). */
  private async write(rule: Rule, expectedVersion: number | undefined, compiled: CompiledExpressionOf): Promise<void> {
    await this.repository.put(rule, expectedVersion).catch(conflict(rule.id));
    await this.publisher.publish(rule);
    this.book.apply(rule, compiled);
  }
}

function conflict(id: string): (err: Error) => never {
  return (err) => {
    if (err.name === 'RuleVersionConflict') throw new RuleError('RULE_CONFLICT', `rule ${id} was changed concurrently; read it and try again`);
    throw err;
  };
}
