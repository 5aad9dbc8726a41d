/**
 * Evaluates a device's rules on its readings, geofence transitions and timers; closes a
 * rule's open episodes when it is disabled or deleted.
 *
 * Effects, in order: alerts are published (deterministic ids), then the device state is
 * written with a compare-and-set on its revision. A crash before the state write
 * replays the same inputs from the same state and so produces the same transitions with the
 * same ids: an episode never gets a second, different START or STOP.
 */
import { inParallel } from './in-parallel';
import type { AlertEventData, GeofenceTransitionData, Rule, TelemetryReading, TriggeringReading } from '@geopulse/contracts';
import { advance, alertId, close, INITIAL_ALERT_STATE, type Transition } from '../domain/alert-lifecycle';
import { applyGeofenceTransition, applyReading, type DeviceHistory } from '../domain/device-history';
import { evaluateIn, scopeOf, type DeviceInfo } from '../domain/evaluation';
import { needsTimer, type CompiledRule } from '../domain/rule';
import { needsDeviceTags, targets } from '../domain/targeting';
import type { AlertPublisher, Clock, DeviceDirectory, DeviceState, DeviceStateStore, OutgoingAlert, RuleAlertState } from './ports';
import type { RuleBook } from './rule-book';

export type DeviceInput =
  | { kind: 'reading'; reading: TelemetryReading; traceparent?: string }
  | { kind: 'geofence'; transition: GeofenceTransitionData; traceparent?: string };

export interface EvaluationSettings {
  minuteMs: number;
  timerTickMs: number;
  timerHorizonMs: number;
}

export interface EvaluationStats {
  evaluations: number;
  transitions: number;
  errors: number;
  conflicts: number;
}

export type EvaluationErrorSink = (rule: Rule, deviceId: string, message: string) => void;

const MAX_ATTEMPTS = 8;
const MAX_TRIGGERING = 10;

export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = traceparent ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent) : null;
  return match ? match[1] : undefined;
}

export class EvaluateDevice {
  constructor(
    private readonly book: RuleBook,
    private readonly store: DeviceStateStore,
    private readonly directory: DeviceDirectory,
    private readonly publisher: AlertPublisher,
    private readonly settings: EvaluationSettings,
    private readonly clock: Clock,
    private readonly onError: EvaluationErrorSink = () => undefined,
  ) {}

  /** Readings and geofence transitions of one device, in order, from one partition. */
  async process(tenantId: string, deviceId: string, partition: number, inputs: readonly DeviceInput[]): Promise<EvaluationStats> {
    return this.withState(tenantId, deviceId, this.readingsStep(tenantId, partition, inputs), carriedTags(inputs));
  }

  /**
   * Many devices of one batch: computed in parallel, their alerts published in one Kafka
   * request and recorded, then each state written; a device whose state changed meanwhile is
   * redone on its own.
   */
  async processMany(items: ReadonlyArray<{ tenantId: string; deviceId: string; partition: number; inputs: readonly DeviceInput[] }>, concurrency: number): Promise<EvaluationStats> {
    const pending: Pending[] = new Array(items.length);
    const states = await this.store.loadMany(items);
    await inParallel(items.map((_, i) => i), concurrency, async (i) => {
      const { tenantId, deviceId, partition, inputs } = items[i];
      pending[i] = await this.compute(tenantId, deviceId, this.readingsStep(tenantId, partition, inputs), 0, states[i], carriedTags(inputs));
    });
    const conflicted = await this.commit(pending);
    const total = sum(pending.map((p) => p.stats));
    for (const i of conflicted) {
      const { tenantId, deviceId, partition, inputs } = items[i];
      const redo = await this.process(tenantId, deviceId, partition, inputs);
      total.evaluations += redo.evaluations;
      total.transitions += redo.transitions - pending[i].stats.transitions;
      total.errors += redo.errors;
      total.conflicts += redo.conflicts + 1;
    }
    return total;
  }

  private readingsStep(tenantId: string, partition: number, inputs: readonly DeviceInput[]): Step {
    return async (state, device, stats) => {
      const rules = this.rulesFor(tenantId, device);
      const retentionMs = this.book.windowMinutes(tenantId) * this.settings.minuteMs;
      const work = new Work(state, tenantId, device.id, device);
      for (const input of inputs) {
        let eventTime: number;
        if (input.kind === 'reading') {
          const ts = Date.parse(input.reading.ts);
          const { history, applied } = applyReading(
            work.history,
            { id: input.reading.id, ts, metrics: input.reading.metrics, position: input.reading.position, traceparent: input.traceparent },
            retentionMs,
          );
          if (!applied) continue;
          work.history = history;
          eventTime = ts;
        } else {
          work.history = applyGeofenceTransition(work.history, input.transition.geofenceId, input.transition.transition);
          eventTime = Date.parse(input.transition.at);
        }
        this.evaluateRules(work, rules, eventTime, input.traceparent, stats);
      }
      const timerRules = rules.some(needsTimer);
      const last = work.history.lastReadingTs;
      const keepTimer = timerRules && last !== undefined && this.clock() - last < this.settings.timerHorizonMs;
      return { work, timer: keepTimer ? { partition, dueAt: this.clock() + this.settings.timerTickMs } : { partition, cancel: true as const } };
    };
  }

  /** A timer of a device: time-dependent rules are evaluated at the clock's time. */
  async timer(tenantId: string, deviceId: string, partition: number): Promise<EvaluationStats> {
    return this.withState(tenantId, deviceId, async (state, device, stats) => {
      const rules = this.rulesFor(tenantId, device).filter(needsTimer);
      const work = new Work(state, tenantId, deviceId, device);
      const last = work.history.lastReadingTs;
      if (rules.length === 0 || last === undefined || this.clock() - last >= this.settings.timerHorizonMs) {
        return { work, timer: { partition, cancel: true as const } };
      }
      this.evaluateRules(work, rules, this.clock(), work.history.lastReading?.traceparent, stats);
      return { work, timer: { partition, dueAt: this.clock() + this.settings.timerTickMs } };
    });
  }

  /** Stops every open episode of a rule (disabled, deleted), or only of devices `keep` rejects, with the reason. */
  async closeRule(rule: Rule, reason: string, keep: (device: DeviceInfo) => boolean = () => false): Promise<number> {
    let closed = 0;
    for (const deviceId of await this.store.firingDevices(rule.tenantId, rule.id)) {
      const stats = await this.withState(rule.tenantId, deviceId, async (state, device, s) => {
        const work = new Work(state, rule.tenantId, deviceId, device);
        if (keep(device)) return { work };
        const current = state.alerts[rule.id];
        if (current) {
          const step = close(current, Math.max(this.clock(), work.history.evaluatedAt ?? 0), reason);
          work.setAlert(rule.id, null);
          if (step.transition) {
            work.emit(rule, step.transition, work.history.lastReading?.traceparent, []);
            s.transitions += 1;
          }
        }
        work.firing[rule.id] = false;
        return { work };
      });
      closed += stats.transitions;
    }
    return closed;
  }

  private rulesFor(tenantId: string, device: DeviceInfo): CompiledRule[] {
    return this.book.active(tenantId).filter((compiled) => targets(compiled.rule.target, device));
  }

  private evaluateRules(work: Work, rules: readonly CompiledRule[], eventTime: number, traceparent: string | undefined, stats: EvaluationStats): void {
    const now = Math.max(eventTime, work.history.evaluatedAt ?? eventTime);
    work.history = { ...work.history, evaluatedAt: now };
    const scope = scopeOf(work.history, work.device, { now, minuteMs: this.settings.minuteMs });
    for (const compiled of rules) {
      const { rule } = compiled;
      const before: RuleAlertState = work.alerts[rule.id] ?? INITIAL_ALERT_STATE;
      const outcome = evaluateIn(compiled.expression, compiled.analysis, scope);
      stats.evaluations += 1;
      if (outcome.kind === 'error') {
        stats.errors += 1;
        this.onError(rule, work.deviceId, outcome.message);
      }
      const step = advance(before, outcome, now, compiled.forMs);
      if (step.changed || before.ruleVersion !== rule.version) work.setAlert(rule.id, { ...step.state, ruleVersion: rule.version });
      if (step.transition) {
        stats.transitions += 1;
        work.emit(rule, step.transition, traceparent, triggering(work.history, compiled, now, this.settings.minuteMs));
        work.firing[rule.id] = step.transition.status === 'START';
      }
    }
  }

  private async withState(tenantId: string, deviceId: string, step: Step, tags?: readonly string[]): Promise<EvaluationStats> {
    let conflicts = 0;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const pending = await this.compute(tenantId, deviceId, step, conflicts, undefined, tags);
      if ((await this.commit([pending])).length === 0) return pending.stats;
      conflicts += 1;
    }
    throw new Error(`device ${tenantId}/${deviceId}: state kept changing under ${MAX_ATTEMPTS} attempts`);
  }

  private async compute(tenantId: string, deviceId: string, step: Step, conflicts: number, loaded?: DeviceState, tags?: readonly string[]): Promise<Pending> {
    const device = await this.devices(tenantId, deviceId, tags);
    const stats: EvaluationStats = { evaluations: 0, transitions: 0, errors: 0, conflicts };
    const state = loaded ?? (await this.store.load(tenantId, deviceId));
    const { work, timer } = await step(state, device, stats);
    return { state, work, timer, stats };
  }

  /**
   * Publishes every alert (the alerts table is kept from the topic by a consumer of its own,
   * so evaluation never waits for DynamoDB), then writes each state; returns the indexes
   * whose write lost the race.
   */
  private async commit(pending: readonly Pending[]): Promise<number[]> {
    const outgoing = pending.flatMap((p) => p.work.outgoing);
    if (outgoing.length > 0) await this.publisher.publish(outgoing);
    // One round trip for the whole batch's writes, each still its own compare-and-set.
    const saved = await this.store.saveMany(
      pending.map(({ state, work, timer }) => {
        const retentionMs = Math.max(this.book.windowMinutes(work.tenantId) * this.settings.minuteMs, 0);
        const ttlMs = Math.max(retentionMs, this.settings.timerHorizonMs) * 2 + 3600_000;
        return { tenantId: work.tenantId, deviceId: work.deviceId, rev: state.rev, change: { history: work.history, alerts: work.changed, firing: work.firing, timer, ttlMs } };
      }),
    );
    return saved.flatMap((ok, i) => (ok ? [] : [i]));
  }

  /**
   * The device's tags and attributes. Readings carry the registry tags ingest saw
   * (docs/decisions/0107): tag targets then need no registry read; the registry is read only
   * when some rule of the tenant looks at `device`, or at tags the inputs do not carry (timers,
   * rule changes, readings from before ingest added tags).
   */
  private async devices(tenantId: string, deviceId: string, carried?: readonly string[]): Promise<DeviceInfo> {
    const active = this.book.active(tenantId);
    const usesDevice = active.some((c) => c.analysis.usesDevice);
    const needsTags = carried === undefined && active.some((c) => needsDeviceTags(c.rule.target));
    if (!usesDevice && !needsTags) return { id: deviceId, tags: [...(carried ?? [])], attributes: {} };
    const device = await this.directory.get(tenantId, deviceId);
    return carried === undefined ? device : { ...device, tags: [...carried] };
  }
}

/** The tags the newest reading among the inputs carries, if it carries any. */
function carriedTags(inputs: readonly DeviceInput[]): readonly string[] | undefined {
  for (let i = inputs.length - 1; i >= 0; i--) {
    const input = inputs[i];
    if (input.kind === 'reading') return input.reading.tags;
  }
  return undefined;
}

type TimerChange = { partition: number; dueAt: number } | { partition: number; cancel: true };
type Step = (state: DeviceState, device: DeviceInfo, stats: EvaluationStats) => Promise<{ work: Work; timer?: TimerChange }>;

interface Pending {
  state: DeviceState;
  work: Work;
  timer?: TimerChange;
  stats: EvaluationStats;
}

function sum(all: readonly EvaluationStats[]): EvaluationStats {
  return all.reduce((a, b) => ({ evaluations: a.evaluations + b.evaluations, transitions: a.transitions + b.transitions, errors: a.errors + b.errors, conflicts: a.conflicts + b.conflicts }), {
    evaluations: 0, transitions: 0, errors: 0, conflicts: 0,
  });
}

/** One attempt's working copy of a device's state and what it produced. */
class Work {
  history: DeviceHistory;
  readonly alerts: Record<string, RuleAlertState>;
  readonly changed: Record<string, RuleAlertState | null> = {};
  readonly firing: Record<string, boolean> = {};
  readonly outgoing: OutgoingAlert[] = [];

  constructor(
    state: DeviceState,
    readonly tenantId: string,
    readonly deviceId: string,
    readonly device: DeviceInfo,
  ) {
    this.history = state.history;
    this.alerts = { ...state.alerts };
  }

  setAlert(ruleId: string, state: RuleAlertState | null): void {
    if (state) this.alerts[ruleId] = state;
    else delete this.alerts[ruleId];
    this.changed[ruleId] = state;
  }

  emit(rule: Rule, transition: Transition, traceparent: string | undefined, triggeringReadings: TriggeringReading[]): void {
    const data: AlertEventData = {
      tenantId: this.tenantId,
      alertId: alertId(this.tenantId, rule.id, this.deviceId, transition.episode),
      ruleId: rule.id,
      ruleName: rule.name,
      ruleVersion: rule.version,
      deviceId: this.deviceId,
      status: transition.status,
      severity: rule.severity,
      at: new Date(transition.at).toISOString(),
      reason: transition.reason,
      triggeringReadings,
    };
    const traceId = traceIdOf(traceparent);
    if (traceId) data.traceId = traceId;
    this.outgoing.push(traceparent ? { data, traceparent } : { data });
  }
}

function triggering(history: DeviceHistory, compiled: CompiledRule, now: number, minuteMs: number): TriggeringReading[] {
  const last = history.lastReading;
  const toTriggering = (r: { id: string; ts: number; metrics?: TriggeringReading['metrics']; position?: TriggeringReading['position'] }): TriggeringReading => ({
    id: r.id,
    ts: new Date(r.ts).toISOString(),
    ...(r.metrics ? { metrics: r.metrics } : {}),
    ...(r.position ? { position: r.position } : {}),
  });
  if (compiled.analysis.windowMinutes > 0) {
    const from = now - compiled.analysis.windowMinutes * minuteMs;
    const inWindow = history.samples.filter((s) => s.ts > from && s.ts <= now).slice(-MAX_TRIGGERING).reverse();
    if (inWindow.length > 0) return inWindow.map((s) => (last && s.id === last.id ? toTriggering(last) : toTriggering(s)));
  }
  return last ? [toTriggering(last)] : [];
}
