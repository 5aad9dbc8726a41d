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

export function replayDevice(input: ReplayInput, settings: ReplaySettings, observe?: (moment: ReplayMoment) => void): DeviceReplay {
  const { compiled, device, from, to } = input;
  const retentionMs = compiled.analysis.windowMinutes * settings.minuteMs;
  const timed = needsTimer(compiled);
  let history = emptyHistory();
  let state: AlertState = INITIAL_ALERT_STATE;
  const out: DeviceReplay = { deviceId: device.id, readings: 0, evaluations: 0, episodes: [], insufficientData: [], state };

  const evaluateAt = (eventTime: number): void => {
    if (out.evaluations >= settings.maxEvaluations) {
      throw new BacktestBound('maxEvaluations', `device ${device.id}: more than ${settings.maxEvaluations} evaluations (readings and timer ticks); narrow the time range`);
    }
    out.evaluations += 1;
    const now = Math.max(eventTime, history.evaluatedAt ?? eventTime);
    history = { ...history, evaluatedAt: now };
    const scope = scopeOf(history, device, { now, minuteMs: settings.minuteMs });
    const outcome = evaluateIn(compiled.expression, compiled.analysis, scope);
    const before = state;
    const step = advance(before, outcome, now, compiled.forMs);
    state = step.state;
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
    observe?.({ now, history, scope, before, outcome, step });
  };

  /** Timer ticks strictly before `until` (the next reading, or the end of the range). */
  const ticks = (until: number): void => {
    const last = history.lastReadingTs;
    if (!timed || last === undefined) return;
    const end = Math.min(until, last + settings.timerHorizonMs);
    if (!compiled.analysis.timeDependent) {
      // Only `for` can change the outcome with time alone: the one tick that ends the wait matters.
      if (state.status !== 'PENDING' || state.since === undefined) return;
      const due = state.since + compiled.forMs;
      const tick = last + Math.max(1, Math.ceil((due - last) / settings.timerTickMs)) * settings.timerTickMs;
      if (tick < end && tick <= to && tick >= from) evaluateAt(tick);
      return;
    }
    for (let tick = last + settings.timerTickMs; tick < end && tick <= to; tick += settings.timerTickMs) if (tick >= from) evaluateAt(tick);
  };

  for (const reading of input.readings) {
    if (reading.ts > to) break;
    if (reading.ts >= from) ticks(reading.ts);
    const applied = applyReading(history, reading, retentionMs);
    if (!applied.applied) continue;
    history = applied.history;
    if (reading.ts < from) continue;
    out.readings += 1;
    evaluateAt(reading.ts);
  }
  ticks(Number.POSITIVE_INFINITY);
  out.state = state;
  return out;
}
