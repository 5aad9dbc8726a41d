/**
 * Replaying a device's stored readings through one rule: the same history (`applyReading`),
 * the same evaluation (`scopeOf`, `evaluateIn`), the same lifecycle (`advance`, `for`,
 * INSUFFICIENT_DATA) and the same triggering readings as live evaluation (evaluate-device.ts),
 * with every time the readings' event time. Timers are simulated as live runs them: a rule that
 * needs one is evaluated every `timerTickMs` after a reading (until the next reading, or
 * `timerHorizonMs` after the last one).
 */
import type { TriggeringReading } from '@geopulse/contracts';
import { advance, INITIAL_ALERT_STATE, type AlertState, type Step } from './alert-lifecycle';
import { applyReading, emptyHistory, triggering, type DeviceHistory, type HistoryReading } from './device-history';
import { evaluateIn, scopeOf, type DeviceInfo, type EvaluationScope, type Outcome } from './evaluation';
import { needsTimer, type CompiledRule } from './rule';

export interface ReplaySettings {
  minuteMs: number;
  timerTickMs: number;
  timerHorizonMs: number;
  /** Evaluations one device's replay may make (timer ticks included); past it the replay throws BacktestBound. */
  maxEvaluations: number;
}

export interface Episode {
  deviceId: string;
  /** Episode number within this replay, from 1. */
  episode: number;
  start: string;
  startReason: string;
  /** Absent while the episode is still open at the end of the range. */
  stop?: string;
  stopReason?: string;
  triggeringReadings: TriggeringReading[];
}

export interface DeviceReplay {
  deviceId: string;
  readings: number;
  evaluations: number;
  episodes: Episode[];
  /** INSUFFICIENT_DATA transitions (published by live evaluation as alerts of that status). */
  insufficientData: Array<{ at: string; reason: string }>;
  /** The lifecycle state at the end. */
  state: AlertState;
}

/** One evaluation of the replay, for observers (explain). */
export interface ReplayMoment {
  now: number;
  history: DeviceHistory;
  scope: EvaluationScope;
  before: AlertState;
  outcome: Outcome;
  step: Step;
}

export class BacktestBound extends Error {
  constructor(
    readonly bound: string,
    message: string,
  ) {
    super(message);
    this.name = 'BacktestBound';
  }
}

export interface ReplayInput {
  compiled: CompiledRule;
  device: DeviceInfo;
  /** Ascending by event time; those before `from` only fill the history (no evaluation). */
  readings: readonly HistoryReading[];
  from: number;
  to: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * One device's replay, fed reading by reading (ascending event time) so a caller can yield
 * between chunks; `finish` runs the timer ticks after the last reading and returns the result.
 */
export class Replay {
  private history = emptyHistory();
  private state: AlertState = INITIAL_ALERT_STATE;
  private readonly out: DeviceReplay;
  private readonly retentionMs: number;
  private readonly timed: boolean;
  private done = false;

  constructor(
    private readonly input: Omit<ReplayInput, 'readings'>,
    private readonly settings: ReplaySettings,
    private readonly observe?: (moment: ReplayMoment) => void,
  ) {
    this.retentionMs = input.compiled.analysis.windowMinutes * settings.minuteMs;
    this.timed = needsTimer(input.compiled);
    this.out = { deviceId: input.device.id, readings: 0, evaluations: 0, episodes: [], insufficientData: [], state: this.state };
  }

  /** The next reading (not older than the previous one); those after `to` are ignored. */
  add(reading: HistoryReading): void {
    const { from, to } = this.input;
    if (reading.ts > to || this.done) return;
    if (reading.ts >= from) this.ticks(reading.ts);
    const applied = applyReading(this.history, reading, this.retentionMs);
    if (!applied.applied) return;
    this.history = applied.history;
    if (reading.ts < from) return;
    this.out.readings += 1;
    this.evaluateAt(reading.ts);
  }

  finish(): DeviceReplay {
    if (!this.done) this.ticks(Number.POSITIVE_INFINITY);
    this.done = true;
    this.out.state = this.state;
    return this.out;
  }

  private evaluateAt(eventTime: number): void {
    const { compiled, device } = this.input;
    const { out, settings } = this;
    if (out.evaluations >= settings.maxEvaluations) {
      throw new BacktestBound('maxEvaluations', `device ${device.id}: more than ${settings.maxEvaluations} evaluations (readings and timer ticks); narrow the time range`);
    }
    out.evaluations += 1;
    const now = Math.max(eventTime, this.history.evaluatedAt ?? eventTime);
    this.history = { ...this.history, evaluatedAt: now };
    const history = this.history;
    const scope = scopeOf(history, device, { now, minuteMs: settings.minuteMs });
    const outcome = evaluateIn(compiled.expression, compiled.analysis, scope);
    const before = this.state;
    const step = advance(before, outcome, now, compiled.forMs);
    this.state = step.state;
    const t = step.transition;
    if (t?.status === 'START') {
      out.episodes.push({ deviceId: device.id, episode: out.episodes.length + 1, start: iso(t.at), startReason: t.reason, triggeringReadings: triggering(history, compiled.analysis.windowMinutes, now, settings.minuteMs) });
    } else if (t?.status === 'STOP') {
      const open = out.episodes[out.episodes.length - 1];
      open.stop = iso(t.at);
      open.stopReason = t.reason;
    } else if (t?.status === 'INSUFFICIENT_DATA') {
      out.insufficientData.push({ at: iso(t.at), reason: t.reason });
    }
    this.observe?.({ now, history, scope, before, outcome, step });
  }

  /** Timer ticks strictly before `until` (the next reading, or the end of the range). */
  private ticks(until: number): void {
    const { compiled, from, to } = this.input;
    const { settings, state } = this;
    const last = this.history.lastReadingTs;
    if (!this.timed || last === undefined) return;
    const end = Math.min(until, last + settings.timerHorizonMs);
    if (!compiled.analysis.timeDependent) {
      // Only `for` can change the outcome with time alone: the one tick that ends the wait matters.
      if (state.status !== 'PENDING' || state.since === undefined) return;
      const due = state.since + compiled.forMs;
      const tick = last + Math.max(1, Math.ceil((due - last) / settings.timerTickMs)) * settings.timerTickMs;
      if (tick < end && tick <= to && tick >= from) this.evaluateAt(tick);
      return;
    }
    for (let tick = last + settings.timerTickMs; tick < end && tick <= to; tick += settings.timerTickMs) if (tick >= from) this.evaluateAt(tick);
  }
}

export function replayDevice(input: ReplayInput, settings: ReplaySettings, observe?: (moment: ReplayMoment) => void): DeviceReplay {
  const replay = new Replay(input, settings, observe);
  for (const reading of input.readings) replay.add(reading);
  return replay.finish();
}
