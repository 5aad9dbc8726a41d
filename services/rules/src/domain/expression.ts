/**
 * Rule expressions: the checks we make before handing the text to the expression engine
 * (JEXL, behind `ExpressionEngine`), and what we learn from the text once (which functions it
 * calls with which windows, which metrics it reads). Positions are 0-based character offsets.
 */

export interface ExpressionLimits {
  maxLength: number;
  /** Nesting of (), [] and {}. */
  maxDepth: number;
}

export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = { maxLength: 1_000, maxDepth: 16 };

export type ExpressionIssueCode = 'TOO_LONG' | 'TOO_DEEP' | 'SYNTAX' | 'UNKNOWN_FUNCTION' | 'BAD_ARGUMENTS' | 'UNKNOWN_TRANSFORM' | 'EMPTY';

export interface ExpressionIssue {
  code: ExpressionIssueCode;
  message: string;
  position: number;
}

/** Functions a rule may call; the stateful ones take literal arguments so windows are known at compile time. */
export const RULE_FUNCTIONS = {
  hasNotChanged: { args: ['metric', 'minutes'], timeDependent: true },
  avg: { args: ['metric', 'minutes'], timeDependent: true },
  min: { args: ['metric', 'minutes'], timeDependent: true },
  max: { args: ['metric', 'minutes'], timeDependent: true },
  count: { args: ['metric', 'minutes'], timeDependent: true },
  delta: { args: ['metric', 'minutes'], timeDependent: true },
  minutesSinceLastReading: { args: [], timeDependent: true },
  inGeofence: { args: ['geofenceId'], timeDependent: false },
} as const;

export type RuleFunctionName = keyof typeof RULE_FUNCTIONS;

export interface FunctionCall {
  name: RuleFunctionName;
  args: (string | number)[];
  position: number;
}

export interface ExpressionAnalysis {
  calls: FunctionCall[];
  /** Top-level identifiers that are not context roots or keywords: the metrics read directly. */
  metrics: string[];
  /** Longest window (minutes) of any windowed function call; 0 when none. */
  windowMinutes: number;
  /** True when the truth of the expression can change with time alone (needs timers). */
  timeDependent: boolean;
  /** True when the expression reads `device` (its registry tags and attributes). */
  usesDevice: boolean;
}

export type AnalysisResult = { ok: true; analysis: ExpressionAnalysis } | { ok: false; issues: ExpressionIssue[] };

/** Names in the context that are not metrics. */
export const CONTEXT_ROOTS = new Set(['position', 'device', 'ts']);
const KEYWORDS = new Set(['true', 'false', 'null', 'in', 'undefined']);

type TokenKind = 'string' | 'number' | 'identifier' | 'punct';
interface Token {
  kind: TokenKind;
  text: string;
  value?: string | number;
  position: number;
}

const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
const DIGIT = /[0-9]/;
const PUNCT = ['===', '!==', '==', '!=', '>=', '<=', '&&', '||', '//', '<', '>', '+', '-', '*', '/', '%', '^', '!', '?', ':', '.', ',', '|', '(', ')', '[', ']', '{', '}'];

class ScanError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '"' || ch === "'") {
      const start = i;
      let value = '';
      i += 1;
      while (i < source.length && source[i] !== ch) {
        if (source[i] === '\\' && i + 1 < source.length) i += 1;
        value += source[i];
        i += 1;
      }
      if (i >= source.length) throw new ScanError('unterminated string', start);
      i += 1;
      tokens.push({ kind: 'string', text: source.slice(start, i), value, position: start });
    } else if (DIGIT.test(ch) || (ch === '.' && DIGIT.test(source[i + 1] ?? ''))) {
      const start = i;
      while (i < source.length && /[0-9.]/.test(source[i])) i += 1;
      const text = source.slice(start, i);
      const value = Number(text);
      if (Number.isNaN(value)) throw new ScanError(`invalid number ${text}`, start);
      tokens.push({ kind: 'number', text, value, position: start });
    } else if (IDENT_START.test(ch)) {
      const start = i;
      while (i < source.length && IDENT_PART.test(source[i])) i += 1;
      tokens.push({ kind: 'identifier', text: source.slice(start, i), position: start });
    } else {
      const op = PUNCT.find((p) => source.startsWith(p, i));
      if (!op) throw new ScanError(`unexpected character '${ch}'`, i);
      tokens.push({ kind: 'punct', text: op, position: i });
      i += op.length;
    }
  }
  return tokens;
}

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS = new Set([')', ']', '}']);

function isRuleFunction(name: string): name is RuleFunctionName {
  return Object.prototype.hasOwnProperty.call(RULE_FUNCTIONS, name);
}

/** Literal arguments of the call whose `(` is at `open`; undefined when an argument is not a literal. */
function literalArgs(tokens: Token[], open: number): (string | number)[] | undefined {
  const args: (string | number)[] = [];
  let i = open + 1;
  if (tokens[i]?.text === ')') return args;
  for (;;) {
    let sign = 1;
    if (tokens[i]?.text === '-' && tokens[i + 1]?.kind === 'number') {
      sign = -1;
      i += 1;
    }
    const token = tokens[i];
    if (!token || (token.kind !== 'string' && token.kind !== 'number')) return undefined;
    args.push(token.kind === 'number' ? sign * (token.value as number) : (token.value as string));
    const next = tokens[i + 1];
    if (next?.text === ')') return args;
    if (next?.text !== ',') return undefined;
    i += 2;
  }
}

function checkArgs(name: RuleFunctionName, args: (string | number)[] | undefined, position: number): ExpressionIssue | undefined {
  const spec = RULE_FUNCTIONS[name].args as readonly string[];
  const usage = `${name}(${spec.map((a) => (a === 'minutes' ? a : `'${a}'`)).join(', ')})`;
  const bad = (detail: string): ExpressionIssue => ({ code: 'BAD_ARGUMENTS', message: `${usage}: ${detail}`, position });
  if (!args) return bad('arguments must be literals');
  if (args.length !== spec.length) return bad(`expects ${spec.length} argument(s), got ${args.length}`);
  for (let k = 0; k < spec.length; k += 1) {
    if (spec[k] === 'minutes') {
      const minutes = args[k];
      if (typeof minutes !== 'number' || !(minutes > 0) || minutes > 24 * 60) return bad('minutes must be a number in (0, 1440]');
    } else if (typeof args[k] !== 'string' || (args[k] as string).length === 0) {
      return bad(`${spec[k]} must be a non-empty string`);
    }
  }
  return undefined;
}

/**
 * Checks length, nesting, string/bracket syntax and function calls, and extracts what the
 * evaluator needs. Full grammar errors come from the engine (`ExpressionEngine.compile`).
 */
export function analyzeExpression(source: string, limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS): AnalysisResult {
  if (source.trim().length === 0) return { ok: false, issues: [{ code: 'EMPTY', message: 'expression is empty', position: 0 }] };
  if (source.length > limits.maxLength) {
    return { ok: false, issues: [{ code: 'TOO_LONG', message: `expression is longer than ${limits.maxLength} characters`, position: limits.maxLength }] };
  }
  let tokens: Token[];
  try {
    tokens = tokenize(source);
  } catch (err) {
    if (err instanceof ScanError) return { ok: false, issues: [{ code: 'SYNTAX', message: err.message, position: err.position }] };
    throw err;
  }

  const issues: ExpressionIssue[] = [];
  const stack: Token[] = [];
  let maxDepthReported = false;
  const calls: FunctionCall[] = [];
  const metrics = new Set<string>();
  let usesDevice = false;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i];
    if (token.kind === 'punct' && OPENERS[token.text]) {
      stack.push(token);
      if (stack.length > limits.maxDepth && !maxDepthReported) {
        issues.push({ code: 'TOO_DEEP', message: `nesting is deeper than ${limits.maxDepth}`, position: token.position });
        maxDepthReported = true;
      }
    } else if (token.kind === 'punct' && CLOSERS.has(token.text)) {
      const open = stack.pop();
      if (!open || OPENERS[open.text] !== token.text) {
        issues.push({ code: 'SYNTAX', message: `unexpected '${token.text}'`, position: token.position });
        return { ok: false, issues };
      }
    } else if (token.kind === 'identifier') {
      const prev = tokens[i - 1];
      const next = tokens[i + 1];
      const afterDot = prev?.text === '.';
      const isTransform = prev?.text === '|';
      const isObjectKey = next?.text === ':' && (prev?.text === '{' || prev?.text === ',') && stack[stack.length - 1]?.text === '{';
      if (isTransform) {
        issues.push({ code: 'UNKNOWN_TRANSFORM', message: `unknown transform '${token.text}' (none are available)`, position: token.position });
      } else if (next?.text === '(' && !afterDot) {
        if (!isRuleFunction(token.text)) {
          const known = Object.keys(RULE_FUNCTIONS).join(', ');
          issues.push({ code: 'UNKNOWN_FUNCTION', message: `unknown function '${token.text}' (known: ${known})`, position: token.position });
        } else {
          const args = literalArgs(tokens, i + 1);
          const problem = checkArgs(token.text, args, token.position);
          if (problem) issues.push(problem);
          else calls.push({ name: token.text, args: args as (string | number)[], position: token.position });
        }
      } else if (!afterDot && !isObjectKey && token.text === 'device') {
        usesDevice = true;
      } else if (!afterDot && !isObjectKey && !KEYWORDS.has(token.text) && !CONTEXT_ROOTS.has(token.text)) {
        metrics.add(token.text);
      }
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1];
    issues.push({ code: 'SYNTAX', message: `'${open.text}' is never closed`, position: open.position });
  }
  if (issues.length > 0) return { ok: false, issues };
  const windowMinutes = calls.reduce((m, c) => (c.args.length === 2 ? Math.max(m, c.args[1] as number) : m), 0);
  return {
    ok: true,
    analysis: {
      calls,
      metrics: [...metrics],
      windowMinutes,
      timeDependent: calls.some((c) => RULE_FUNCTIONS[c.name].timeDependent),
      usesDevice,
    },
  };
}
