/**
 * Evaluating one compiled rule for one device at a time `now`: the context (metrics as
 * identifiers, `position`, `device`, `ts`) and the stateful functions, with missing data
 * reported as INSUFFICIENT_DATA rather than false.
 */
import type { MetricValue, Position } from '@geopulse/contracts';
import type { DeviceHistory } from './device-history';
import type { ExpressionAnalysis } from './expression';
import { InsufficientData, ruleFunctions, type FunctionClock, type RuleFunctions } from './functions';

/** What the registry tells about a device (cached by the adapter). */
export interface DeviceInfo {
  id: string;
  tags: string[];
  attributes: Record<string, unknown>;
}

export interface EvaluationContext {
  [metric: string]: unknown;
  position?: Position;
  device: DeviceInfo;
  /** Event time of the newest reading, epoch ms. */
  ts?: number;
}

/** A compiled expression: compiled once per rule version, evaluated many times. */
export interface CompiledExpression {
  evaluate(context: EvaluationContext, functions: RuleFunctions): unknown;
}

export class ExpressionSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'ExpressionSyntaxError';
  }
}

/** The expression language (JEXL in adapters/); compile throws ExpressionSyntaxError. */
export interface ExpressionEngine {
  compile(source: string): CompiledExpression;
}

export type Outcome = { kind: 'value'; value: boolean } | { kind: 'insufficient'; reason: string } | { kind: 'error'; message: string };

export function buildContext(history: DeviceHistory, device: DeviceInfo): EvaluationContext {
  const context: EvaluationContext = { ...(history.latest as Record<string, MetricValue>), device };
  if (history.position) context.position = history.position;
  if (history.lastReadingTs !== undefined) context.ts = history.lastReadingTs;
  return context;
}

/** What every rule of one device sees at one time: built once, shared by the device's rules. */
export interface EvaluationScope {
  history: DeviceHistory;
  context: EvaluationContext;
  functions: RuleFunctions;
}

export function scopeOf(history: DeviceHistory, device: DeviceInfo, clock: FunctionClock): EvaluationScope {
  return { history, context: buildContext(history, device), functions: ruleFunctions(history, clock) };
}

export function evaluateIn(expression: CompiledExpression, analysis: ExpressionAnalysis, scope: EvaluationScope): Outcome {
  for (const name of analysis.metrics) {
    if (scope.history.latest[name] === undefined) {
      const missing = analysis.metrics.filter((m) => scope.history.latest[m] === undefined);
      return { kind: 'insufficient', reason: `no value yet for ${missing.join(', ')}` };
    }
  }
  try {
    const value = expression.evaluate(scope.context, scope.functions);
    if (value === undefined) return { kind: 'insufficient', reason: 'expression evaluated to undefined' };
    return { kind: 'value', value: Boolean(value) };
  } catch (err) {
    if (err instanceof InsufficientData) return { kind: 'insufficient', reason: err.message };
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

export function evaluate(
  expression: CompiledExpression,
  analysis: ExpressionAnalysis,
  history: DeviceHistory,
  device: DeviceInfo,
  clock: FunctionClock,
): Outcome {
  return evaluateIn(expression, analysis, scopeOf(history, device, clock));
}
