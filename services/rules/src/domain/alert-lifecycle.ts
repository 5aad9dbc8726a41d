/**
 * The alert lifecycle of one (rule, device): INSUFFICIENT_DATA until the rule can be
 * evaluated, PENDING while the condition holds for less than `for`, FIRING after START, OK
 * after STOP. Each episode has a sequence number; the alert id is derived from it, so
 * recomputing the same transition after a crash yields the same START/STOP (same event id).
 */
import type { AlertStatus } from '@geopulse/contracts';
import type { Outcome } from './evaluation';

export type LifecycleStatus = 'INSUFFICIENT_DATA' | 'OK' | 'PENDING' | 'FIRING';

export interface AlertState {
  status: LifecycleStatus;
  /** Number of the current (FIRING) or last episode; 0 before the first. */
  episode: number;
  /** When the condition became true (PENDING and FIRING). */
  since?: number;
  /** When the last START happened. */
  startedAt?: number;
}

export const INITIAL_ALERT_STATE: AlertState = { status: 'INSUFFICIENT_DATA', episode: 0 };

export interface Transition {
  status: AlertStatus;
  episode: number;
  at: number;
  reason: string;
}

export interface Step {
  state: AlertState;
  transition?: Transition;
  changed: boolean;
}

function same(a: AlertState, b: AlertState): boolean {
  return a.status === b.status && a.episode === b.episode && a.since === b.since && a.startedAt === b.startedAt;
}

function step(before: AlertState, after: AlertState, transition?: Transition): Step {
  return { state: after, transition, changed: !same(before, after) };
}

/**
 * One evaluation outcome at time `now`. An error or missing data never starts or stops an
 * episode: a FIRING alert stays FIRING until the condition is seen false. A rule that could be
 * evaluated (OK or PENDING) and no longer can becomes INSUFFICIENT_DATA with a transition of
 * that status, once; a rule that never could (a new device or rule) becomes it silently.
 */
export function advance(state: AlertState, outcome: Outcome, now: number, forMs: number): Step {
  if (outcome.kind !== 'value') {
    if (state.status === 'FIRING' || state.status === 'INSUFFICIENT_DATA') return step(state, state);
    const reason = outcome.kind === 'error' ? `evaluation failed: ${outcome.message}` : outcome.reason;
    return step(state, { status: 'INSUFFICIENT_DATA', episode: state.episode }, { status: 'INSUFFICIENT_DATA', episode: state.episode, at: now, reason });
  }
  if (!outcome.value) {
    if (state.status === 'FIRING') {
      const after: AlertState = { status: 'OK', episode: state.episode };
      return step(state, after, { status: 'STOP', episode: state.episode, at: now, reason: 'condition no longer holds' });
    }
    return step(state, { status: 'OK', episode: state.episode });
  }
  if (state.status === 'FIRING') return step(state, state);
  const since = state.status === 'PENDING' && state.since !== undefined ? state.since : now;
  if (now - since >= forMs) {
    const episode = state.episode + 1;
    const reason = forMs > 0 ? `condition held for ${Math.round((now - since) / 1000)}s` : 'condition holds';
    return step(state, { status: 'FIRING', episode, since, startedAt: now }, { status: 'START', episode, at: now, reason });
  }
  return step(state, { status: 'PENDING', episode: state.episode, since });
}

/** The rule was disabled, deleted or retargeted: an open episode STOPs with the reason. */
export function close(state: AlertState, now: number, reason: string): Step {
  if (state.status !== 'FIRING') return step(state, { status: 'INSUFFICIENT_DATA', episode: state.episode });
  return step(state, { status: 'INSUFFICIENT_DATA', episode: state.episode }, { status: 'STOP', episode: state.episode, at: now, reason });
}

/** The alert id of an episode: deterministic, so a replayed transition is recognisable. */
export function alertId(tenantId: string, ruleId: string, deviceId: string, episode: number): string {
  return `${tenantId}:${ruleId}:${deviceId}:${episode}`;
}
