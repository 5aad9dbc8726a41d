import { advance, alertId, close, INITIAL_ALERT_STATE, type AlertState } from './alert-lifecycle';
import type { Outcome } from './evaluation';

const yes: Outcome = { kind: 'value', value: true };
const no: Outcome = { kind: 'value', value: false };
const unknown: Outcome = { kind: 'insufficient', reason: 'no value yet' };

function run(outcomes: [Outcome, number][], forMs: number): string[] {
  let state: AlertState = INITIAL_ALERT_STATE;
  const out: string[] = [];
  for (const [outcome, now] of outcomes) {
    const step = advance(state, outcome, now, forMs);
    state = step.state;
    if (step.transition) out.push(`${step.transition.status}#${step.transition.episode}@${now}`);
  }
  return out;
}

describe('alert lifecycle', () => {
  it('starts on the transition into the condition and stops on the way out, once per episode', () => {
    expect(run([[unknown, 0], [no, 1], [yes, 2], [yes, 3], [no, 4], [no, 5], [yes, 6], [no, 7]], 0)).toEqual(['START#1@2', 'STOP#1@4', 'START#2@6', 'STOP#2@7']);
  });

  it('starts only after the condition held for `for`', () => {
    expect(run([[yes, 0], [yes, 500], [no, 600], [yes, 700], [yes, 1699], [yes, 1700], [no, 1800]], 1000)).toEqual(['START#1@1700', 'STOP#1@1800']);
  });

  it('neither starts nor stops on missing data or errors', () => {
    expect(run([[yes, 0], [unknown, 1], [{ kind: 'error', message: 'x' }, 2], [yes, 3], [no, 4]], 0)).toEqual(['START#1@0', 'STOP#1@4']);
  });

  it('reports INSUFFICIENT_DATA once when a rule that could be evaluated no longer can; never for one that never could, nor for an open episode', () => {
    const boom: Outcome = { kind: 'error', message: 'boom' };
    expect(run([[unknown, 0], [unknown, 1], [no, 2], [unknown, 3], [unknown, 4], [boom, 5], [no, 6], [yes, 7], [unknown, 8], [no, 9], [boom, 10]], 0)).toEqual([
      'INSUFFICIENT_DATA#0@3',
      'START#1@7',
      'STOP#1@9',
      'INSUFFICIENT_DATA#1@10',
    ]);
    expect(advance({ status: 'OK', episode: 1 }, boom, 10, 0).transition).toEqual({ status: 'INSUFFICIENT_DATA', episode: 1, at: 10, reason: 'evaluation failed: boom' });
    // A condition pending its `for` that loses its data: reported, and the wait starts over.
    const pending = advance({ status: 'OK', episode: 0 }, yes, 0, 1000).state;
    expect(advance(pending, unknown, 500, 1000)).toMatchObject({ state: { status: 'INSUFFICIENT_DATA' }, transition: { status: 'INSUFFICIENT_DATA', reason: 'no value yet' } });
  });

  it('stays INSUFFICIENT_DATA until the rule can be evaluated', () => {
    expect(advance(INITIAL_ALERT_STATE, unknown, 0, 0).state.status).toBe('INSUFFICIENT_DATA');
    expect(advance(INITIAL_ALERT_STATE, no, 0, 0).state.status).toBe('OK');
  });

  it('replaying the same outcome from the same state yields the same transition', () => {
    const a = advance({ status: 'OK', episode: 3 }, yes, 10, 0);
    const b = advance({ status: 'OK', episode: 3 }, yes, 10, 0);
    expect(a).toEqual(b);
    expect(a.transition?.episode).toBe(4);
    expect(advance(a.state, yes, 11, 0).changed).toBe(false);
  });

  it('closing stops an open episode with the reason and is a no-op otherwise', () => {
    const firing: AlertState = { status: 'FIRING', episode: 2, since: 0, startedAt: 0 };
    expect(close(firing, 5, 'rule disabled').transition).toEqual({ status: 'STOP', episode: 2, at: 5, reason: 'rule disabled' });
    expect(close({ status: 'OK', episode: 2 }, 5, 'rule disabled').transition).toBeUndefined();
  });

  it('derives the alert id from the episode', () => {
    expect(alertId('t1', 'r1', 'd1', 2)).toBe('t1:r1:d1:2');
  });
});
