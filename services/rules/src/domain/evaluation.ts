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

export function evaluate(
  expression: CompiledExpression,
  analysis: ExpressionAnalysis,
  history: DeviceHistory,
  device: DeviceInfo,
  clock: FunctionClock,
): Outcome {
  const missing = analysis.metrics.filter((name) => history.latest[name] === undefined);
  if (missing.length > 0) return { kind: 'insufficient', reason: `no value yet for ${missing.join(', ')}` };
  try {
    const value = expression.evaluate(buildContext(history, device), ruleFunctions(history, clock));
    if (value === undefined) return { kind: 'insufficient', reason: 'expression evaluated to undefined' };
    return { kind: 'value', value: Boolean(value) };
  } catch (err) {
    if (err instanceof InsufficientData) return { kind: 'insufficient', reason: err.message };
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}
