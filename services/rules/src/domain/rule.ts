/**
 * Rules as the evaluator holds them: validated input, and a compiled form (expression compiled
 * once per rule version, its analysis, `for` in ms) that every reading of a version reuses.
 */
import { ID_PATTERN, isRecord, schemaCheck, SEVERITIES, type JsonSchema, type Rule, type RuleInput, type RuleStatus, type Severity } from '@geopulse/contracts';
import { parseDuration } from './duration';
import { ExpressionSyntaxError, type CompiledExpression, type ExpressionEngine } from './evaluation';
import { analyzeExpression, DEFAULT_EXPRESSION_LIMITS, type ExpressionAnalysis, type ExpressionIssue, type ExpressionLimits } from './expression';

export interface RuleIssue {
  /** JSON pointer in the rule, e.g. `/expression`. */
  path: string;
  message: string;
  /** Character offset inside the expression, for expression issues. */
  position?: number;
  code?: string;
}

export interface CompiledRule {
  rule: Rule;
  expression: CompiledExpression;
  analysis: ExpressionAnalysis;
  forMs: number;
}

export type ExpressionCheck = { ok: true; expression: CompiledExpression; analysis: ExpressionAnalysis } | { ok: false; issues: ExpressionIssue[] };

/** Our checks first (length, depth, functions, with positions), then the engine's grammar. */
export function compileExpression(engine: ExpressionEngine, source: string, limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS): ExpressionCheck {
  const analyzed = analyzeExpression(source, limits);
  if (!analyzed.ok) return analyzed;
  try {
    return { ok: true, expression: engine.compile(source), analysis: analyzed.analysis };
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return { ok: false, issues: [{ code: 'SYNTAX', message: err.message, position: err.position }] };
    throw err;
  }
}

const STATUSES: readonly RuleStatus[] = ['ACTIVE', 'INACTIVE'];
const MAX_NAME = 200;
const MAX_TARGET_IDS = 1_000;

/** An expression as compiled and analysed once, reused for the rule version it belongs to. */
export type CompiledExpressionOf = Pick<CompiledRule, 'expression' | 'analysis'>;

export type RuleInputCheck =
  | { ok: true; input: RuleInput & { status: RuleStatus; severity: Severity; for: string }; compiled: CompiledExpressionOf }
  | { ok: false; issues: RuleIssue[] };

/**
 * The body of `POST /v1/rules` and `PUT /v1/rules/{id}`: its OpenAPI schema and its structural
 * check in one (contracts' schemaCheck). The expression and the duration are checked below.
 */
export const RULE_INPUT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'expression'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: ID_PATTERN.source, description: 'generated when absent' },
    name: { type: 'string', minLength: 1, maxLength: MAX_NAME, pattern: '\\S' },
    expression: { type: 'string', description: 'JEXL; metrics as identifiers, position, device, ts; hasNotChanged, avg, min, max, count, delta, minutesSinceLastReading, inGeofence' },
    status: { type: 'string', enum: [...STATUSES], default: 'ACTIVE' },
    severity: { type: 'string', enum: [...SEVERITIES], default: 'WARNING' },
    target: {
      type: 'object',
      additionalProperties: false,
      properties: {
        deviceIds: { type: 'array', maxItems: MAX_TARGET_IDS, items: { type: 'string', pattern: ID_PATTERN.source } },
        tags: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 64 } },
      },
    },
    for: { type: 'string', description: 'ISO-8601 duration of days, hours, minutes and seconds', default: 'PT0S', example: 'PT5M' },
  },
};

const checkRuleShape = schemaCheck(RULE_INPUT_SCHEMA);

/** Validates what an operator sent (every problem reported); the expression is checked with the engine. */
export function checkRuleInput(raw: unknown, engine: ExpressionEngine, limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS): RuleInputCheck {
  if (!isRecord(raw)) return { ok: false, issues: [{ path: '', message: 'a rule must be an object' }] };
  const issues: RuleIssue[] = checkRuleShape(raw);
  let compiled: CompiledExpressionOf | undefined;
  if (typeof raw.expression === 'string') {
    const check = compileExpression(engine, raw.expression, limits);
    if (!check.ok) for (const issue of check.issues) issues.push({ path: '/expression', message: issue.message, position: issue.position, code: issue.code });
    else compiled = { expression: check.expression, analysis: check.analysis };
  }
  const forIso = raw.for ?? 'PT0S';
  if (typeof forIso === 'string' && parseDuration(forIso) === undefined) issues.push({ path: '/for', message: 'must be an ISO-8601 duration such as PT0S or PT5M' });
  if (issues.length > 0 || !compiled) return { ok: false, issues };
  const input = raw as unknown as RuleInput;
  return { ok: true, input: { ...input, status: input.status ?? 'ACTIVE', severity: input.severity ?? 'WARNING', for: forIso as string }, compiled };
}

/**
 * Compiles a stored rule (already validated at write time); throws when the stored text no longer
 * compiles. `compiled`: the rule's expression as checkRuleInput already compiled it.
 */
export function compileRule(engine: ExpressionEngine, rule: Rule, limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS, compiled?: CompiledExpressionOf): CompiledRule {
  if (compiled) return { rule, expression: compiled.expression, analysis: compiled.analysis, forMs: parseDuration(rule.for) ?? 0 };
  const check = compileExpression(engine, rule.expression, limits);
  if (!check.ok) throw new Error(`rule ${rule.id} v${rule.version}: ${check.issues.map((i) => `${i.message} at ${i.position}`).join('; ')}`);
  return { rule, expression: check.expression, analysis: check.analysis, forMs: parseDuration(rule.for) ?? 0 };
}

/** How many rule minutes of history a device needs: the longest window of any active rule. */
export function historyWindowMinutes(rules: Iterable<CompiledRule>): number {
  let minutes = 0;
  for (const compiled of rules) if (compiled.rule.status === 'ACTIVE') minutes = Math.max(minutes, compiled.analysis.windowMinutes);
  return minutes;
}

/** Rules whose truth can change with time alone (time-dependent functions, or a `for` to wait out) need timers. */
export function needsTimer(compiled: CompiledRule): boolean {
  return compiled.rule.status === 'ACTIVE' && (compiled.analysis.timeDependent || compiled.forMs > 0);
}
