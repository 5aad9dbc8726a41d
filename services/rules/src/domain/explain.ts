/**
 * Explaining one evaluation of a rule for a device at a time: the value of every
 * sub-expression (traced from the same closures live evaluation runs), what each stateful
 * function read (`avg` over which readings, `hasNotChanged` since when), the outcome as live
 * evaluation sees it (`evaluateIn`, the same function) and, when the rule did not hold, the
 * first sub-expression that was false or missing.
 */
import type { MetricValue } from '@geopulse/contracts';
import type { DeviceHistory } from './device-history';
import { evaluateIn, type CompiledExpression, type EvaluationContext, type EvaluationScope, type Outcome } from './evaluation';
import type { ExpressionAnalysis, RuleFunctionName } from './expression';
import type { FunctionClock, RuleFunctions } from './functions';

/** One node of the parse tree with what it evaluated to. */
export interface TraceNode {
  /** Parse-tree node type: Literal, Identifier, BinaryExpression, UnaryExpression, FunctionCall, ... */
  type: string;
  /** The sub-expression as text (re-printed from the tree, fully parenthesised). */
  text: string;
  operator?: string;
  /** False when evaluation never reached it (short-circuited `&&`/`||`, untaken `?:` branch). */
  evaluated: boolean;
  /** The value (absent when undefined or not evaluated). */
  value?: unknown;
  /** True when it evaluated to undefined (a metric never seen, a missing property). */
  undefined?: true;
  error?: string;
  children: TraceNode[];
  /** For calls of rule functions: what the function read. */
  inputs?: FunctionInputs;
}

/** An expression that can also report the value of each of its nodes. */
export interface TraceableExpression extends CompiledExpression {
  /** Undefined when this expression is not evaluated by traceable closures (JEXL's own evaluator). */
  trace?(context: EvaluationContext, functions: RuleFunctions): TraceNode;
}

export interface WindowReading {
  id: string;
  ts: string;
  value: MetricValue;
}

export type FunctionInputs =
  | { window: { from: string; to: string; metric: string }; readings: WindowReading[] }
  | { metric: string; value?: MetricValue; unchangedSince?: string; minutesUnchanged?: number }
  | { lastReadingAt?: string; now: string }
  | { geofencesInside: string[] };

const iso = (ms: number): string => new Date(ms).toISOString();

/** What a rule function reads from the history at `clock.now` (mirrors functions.ts). */
export function functionInputs(history: DeviceHistory, clock: FunctionClock, name: RuleFunctionName, args: readonly unknown[]): FunctionInputs {
  const metric = String(args[0]);
  switch (name) {
    case 'hasNotChanged': {
      const run = history.runs[metric];
      return run ? { metric, value: run.value, unchangedSince: iso(run.since), minutesUnchanged: (clock.now - run.since) / clock.minuteMs } : { metric };
    }
    case 'minutesSinceLastReading':
      return history.lastReadingTs === undefined ? { now: iso(clock.now) } : { lastReadingAt: iso(history.lastReadingTs), now: iso(clock.now) };
    case 'inGeofence':
      return { geofencesInside: [...history.geofences] };
    default: {
      const from = clock.now - Number(args[1]) * clock.minuteMs;
      const readings: WindowReading[] = [];
      for (const s of history.samples) {
        const value = s.metrics[metric];
        if (s.ts > from && s.ts <= clock.now && typeof value === 'number') readings.push({ id: s.id, ts: iso(s.ts), value });
      }
      return { window: { from: iso(from), to: iso(clock.now), metric }, readings };
    }
  }
}

/** Attaches function inputs to every evaluated call node of the tree. */
function withInputs(node: TraceNode, inputsOf: (name: RuleFunctionName, args: readonly unknown[]) => FunctionInputs): TraceNode {
  const children = node.children.map((c) => withInputs(c, inputsOf));
  if (node.type !== 'FunctionCall' || !node.evaluated) return { ...node, children };
  const args = children.map((c) => c.value);
  return { ...node, children, inputs: inputsOf(node.operator as RuleFunctionName, args) };
}

export type BlockingReason = 'false' | 'missing' | 'error';

export interface Blocking {
  text: string;
  reason: BlockingReason;
  value?: unknown;
  error?: string;
}

const LOGICAL = new Set(['&&', '||']);

/**
 * The first sub-expression, in evaluation order, that made the rule not hold: the failing
 * call of an error, the undefined operand of a comparison, the falsy operand of `&&`, the
 * left operand of a false `||`, or the false comparison itself.
 */
export function firstBlocking(node: TraceNode): Blocking | undefined {
  if (!node.evaluated) return undefined;
  if (node.error !== undefined) {
    const failed = node.children.find((c) => c.error !== undefined);
    return failed ? firstBlocking(failed) : { text: node.text, reason: 'error', error: node.error };
  }
  if (node.undefined) return { text: node.text, reason: 'missing' };
  if (node.value) return undefined;
  if (node.type === 'BinaryExpression' && node.operator !== undefined && LOGICAL.has(node.operator)) {
    const [left, right] = node.children;
    if (node.operator === '&&') return left.value ? firstBlocking(right) : firstBlocking(left);
    return firstBlocking(left) ?? firstBlocking(right);
  }
  const missing = node.children.find((c) => c.evaluated && c.undefined);
  if (missing) return { text: missing.text, reason: 'missing' };
  return { text: node.text, reason: 'false', value: node.value };
}

export interface Explanation {
  /** The outcome exactly as live evaluation computes it. */
  outcome: Outcome;
  /** Absent when the expression is evaluated by JEXL's own evaluator (a construct the closures do not cover). */
  tree?: TraceNode;
  /** Why the rule did not hold (outcome false or insufficient). */
  blocking?: Blocking;
  /** Metrics the expression reads that the device never reported. */
  missingMetrics: string[];
}

/** Explains one evaluation in `scope` at `clock.now`: the same inputs `evaluateIn` gets. */
export function explainIn(expression: TraceableExpression, analysis: ExpressionAnalysis, scope: EvaluationScope, clock: FunctionClock): Explanation {
  const outcome = evaluateIn(expression, analysis, scope);
  const missingMetrics = analysis.metrics.filter((m) => scope.history.latest[m] === undefined);
  const traced = expression.trace?.(scope.context, scope.functions);
  const tree = traced ? withInputs(traced, (name, args) => functionInputs(scope.history, clock, name, args)) : undefined;
  const holds = outcome.kind === 'value' && outcome.value;
  let blocking: Blocking | undefined;
  if (!holds) {
    if (missingMetrics.length > 0) blocking = { text: missingMetrics[0], reason: 'missing' };
    else if (tree) blocking = firstBlocking(tree);
    else if (outcome.kind !== 'value') blocking = { text: '', reason: outcome.kind === 'error' ? 'error' : 'missing', error: outcome.kind === 'error' ? outcome.message : outcome.reason };
  }
  return { outcome, ...(tree ? { tree } : {}), ...(blocking ? { blocking } : {}), missingMetrics };
}
