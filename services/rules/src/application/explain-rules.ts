/**
 * Explain an alert (reproduced from its stored triggering readings and the stored history by
 * the backtest replay, never from live memory) or a rule for a device (its live state, at the
 * time live evaluation last evaluated it, unless told another time).
 */
import type { Rule } from '@geopulse/contracts';
import { ID_PATTERN, isRecord } from '@geopulse/contracts';
import type { AlertState } from '../domain/alert-lifecycle';
import { replayDevice, type ReplayMoment, type ReplaySettings } from '../domain/backtest';
import type { HistoryReading } from '../domain/device-history';
import { scopeOf, type ExpressionEngine } from '../domain/evaluation';
import { explainIn, type Explanation, type TraceableExpression } from '../domain/explain';
import type { ExpressionLimits } from '../domain/expression';
import { compileRule, type CompiledRule } from '../domain/rule';
import { RuleError } from '../domain/rule-error';
import { targets } from '../domain/targeting';
import { parseInstant } from './backtest-rules';
import type { AlertRepository, Clock, DeviceDirectory, DeviceStateStore, ReadingHistory, RuleRepository } from './ports';

export interface TimerState {
  for: string;
  forMs: number;
  before: AlertState;
  after: AlertState;
  /** How long the condition had held at that time (ms), when it held. */
  heldMs?: number;
}

export type RuleExplanation = Explanation & {
  ruleId: string;
  ruleVersion: number;
  expression: string;
  deviceId: string;
  at: string;
  holds: boolean;
  timer: TimerState;
};

export type AlertExplanation = RuleExplanation & {
  alertId: string;
  /** True when replaying the stored history produced a START at the alert's start time. */
  reproduced: boolean;
  /** The version the episode started with, when the record keeps it, and whether the rule changed since. */
  alertRuleVersion?: number;
  ruleChanged: boolean;
  readingsReplayed: number;
  triggeringReadings: { count: number; inStoredHistory: number };
};

export interface ExplainSettings extends ReplaySettings {
  /** Rule minutes replayed before an alert's start, besides its window and `for`. */
  lookbackMinutes: number;
  maxReadings: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function timerState(compiled: CompiledRule, now: number, before: AlertState, after: AlertState): TimerState {
  const since = after.since ?? (after.status === 'FIRING' ? before.since : undefined);
  return { for: compiled.rule.for, forMs: compiled.forMs, before, after, ...(since !== undefined ? { heldMs: now - since } : {}) };
}

export class ExplainRules {
  constructor(
    private readonly engine: ExpressionEngine,
    private readonly limits: ExpressionLimits,
    private readonly rules: RuleRepository,
    private readonly alerts: AlertRepository,
    private readonly history: ReadingHistory,
    private readonly states: DeviceStateStore,
    private readonly directory: DeviceDirectory,
    private readonly settings: ExplainSettings,
    private readonly clock: Clock,
  ) {}

  private async compiled(tenantId: string, ruleId: string): Promise<CompiledRule> {
    const rule = await this.rules.get(tenantId, ruleId);
    if (!rule || rule.deleted) throw new RuleError('RULE_NOT_FOUND', `no rule ${ruleId}`);
    const { deleted: _d, ...live } = rule;
    return compileRule(this.engine, live as Rule, this.limits);
  }

  private explainAt(compiled: CompiledRule, moment: Pick<ReplayMoment, 'now' | 'scope'>): Explanation {
    return explainIn(compiled.expression as TraceableExpression, compiled.analysis, moment.scope, { now: moment.now, minuteMs: this.settings.minuteMs });
  }

  /** "Why does / doesn't this rule fire for this device?" from the device's live state. */
  async rule(tenantId: string, ruleId: string, raw: unknown): Promise<RuleExplanation & { targeted: boolean }> {
    const body = isRecord(raw) ? raw : {};
    if (typeof body.deviceId !== 'string' || !ID_PATTERN.test(body.deviceId)) throw new RuleError('INVALID_QUERY', 'deviceId is required (a device id)', [{ path: '/deviceId', message: 'is required (a device id)' }]);
    const at = body.at === undefined ? undefined : parseInstant(body.at, '/at');
    const compiled = await this.compiled(tenantId, ruleId);
    const device = await this.directory.get(tenantId, body.deviceId);
    const state = await this.states.load(tenantId, body.deviceId);
    const history = state.history;
    const now = at ?? history.evaluatedAt ?? history.lastReadingTs ?? this.clock();
    const scope = scopeOf(history, device, { now, minuteMs: this.settings.minuteMs });
    const explanation = this.explainAt(compiled, { now, scope });
    const current = state.alerts[ruleId];
    const alertState: AlertState = current ? { status: current.status, episode: current.episode, ...(current.since !== undefined ? { since: current.since } : {}), ...(current.startedAt !== undefined ? { startedAt: current.startedAt } : {}) } : { status: 'INSUFFICIENT_DATA', episode: 0 };
    return {
      ruleId,
      ruleVersion: compiled.rule.version,
      expression: compiled.rule.expression,
      deviceId: body.deviceId,
      at: iso(now),
      targeted: targets(compiled.rule.target, device),
      holds: explanation.outcome.kind === 'value' && explanation.outcome.value,
      ...explanation,
      timer: timerState(compiled, now, alertState, alertState),
    };
  }

  /** An alert's START, reproduced by replaying the stored readings before it through the rule. */
  async alert(tenantId: string, alertId: string): Promise<AlertExplanation> {
    // Alert ids are `<tenant>:<rule>:<device>:<episode>`: anything else is no alert (and never reaches the table).
    if (alertId.length > 512 || !/^[A-Za-z0-9._~:-]+$/.test(alertId)) throw new RuleError('ALERT_NOT_FOUND', `no alert ${alertId.slice(0, 64)}`);
    const record = await this.alerts.get(tenantId, alertId);
    if (!record) throw new RuleError('ALERT_NOT_FOUND', `no alert ${alertId}`);
    const compiled = await this.compiled(tenantId, record.ruleId);
    const device = await this.directory.get(tenantId, record.deviceId);
    const startedAt = Date.parse(record.startedAt);
    const evaluateFrom = startedAt - compiled.forMs - this.settings.lookbackMinutes * this.settings.minuteMs;
    const readFrom = evaluateFrom - compiled.analysis.windowMinutes * this.settings.minuteMs;
    const stored = await this.history.readings(tenantId, record.deviceId, readFrom, startedAt, this.settings.maxReadings);
    const byId = new Map<string, HistoryReading>(stored.readings.map((r) => [r.id, r]));
    let inStoredHistory = 0;
    for (const t of record.triggeringReadings ?? []) {
      if (byId.has(t.id)) inStoredHistory += 1;
      else byId.set(t.id, { id: t.id, ts: Date.parse(t.ts), ...(t.metrics ? { metrics: t.metrics } : {}), ...(t.position ? { position: t.position } : {}) });
    }
    const readings = [...byId.values()].sort((a, b) => a.ts - b.ts || a.id.localeCompare(b.id));
    let start: ReplayMoment | undefined;
    let last: ReplayMoment | undefined;
    const replay = replayDevice({ compiled, device, readings, from: evaluateFrom, to: startedAt }, this.settings, (moment) => {
      if (moment.now > startedAt) return;
      last = moment;
      if (moment.step.transition?.status === 'START' && moment.now === startedAt) start = moment;
    });
    const moment = start ?? last;
    const now = moment?.now ?? startedAt;
    const scope = moment?.scope ?? scopeOf({ samples: [], latest: {}, runs: {}, geofences: [] }, device, { now, minuteMs: this.settings.minuteMs });
    const explanation = this.explainAt(compiled, { now, scope });
    const before = moment?.before ?? { status: 'INSUFFICIENT_DATA', episode: 0 };
    return {
      alertId,
      ruleId: record.ruleId,
      ruleVersion: compiled.rule.version,
      ...(record.ruleVersion !== undefined ? { alertRuleVersion: record.ruleVersion } : {}),
      ruleChanged: record.ruleVersion !== undefined && record.ruleVersion !== compiled.rule.version,
      expression: compiled.rule.expression,
      deviceId: record.deviceId,
      at: iso(now),
      reproduced: start !== undefined,
      holds: explanation.outcome.kind === 'value' && explanation.outcome.value,
      ...explanation,
      timer: timerState(compiled, now, before, moment?.step.state ?? before),
      readingsReplayed: replay.readings,
      triggeringReadings: { count: (record.triggeringReadings ?? []).length, inStoredHistory },
    };
  }
}
