/**
 * Compiles a JEXL 2.3.0 parse tree (jexl's own parser output) to plain JavaScript closures,
 * once per rule version, so an evaluation is a few synchronous function calls instead of
 * jexl's tree walk over (synchronous) promises. No code is generated from text: each node
 * becomes a closure over its already-compiled children.
 *
 * The closures reproduce what `Expression.evalSync` of jexl 2.3.0 does, including the corners
 * (see `jexl/dist/evaluator/handlers.js`, `Evaluator.js`, `PromiseSync.js`, `grammar.js`):
 * - operators are JavaScript's (`==` is loose, `+` concatenates, `//` floors, `^` is Math.pow);
 *   `&&` / `||` short-circuit and yield an operand, not a boolean; `in` is indexOf on strings,
 *   `===` on array elements, false otherwise;
 * - `a.b` is undefined when `a` is null/undefined and reads the first element when `a` is an
 *   array; `a[expr]` yields `a` or undefined for a boolean `expr`, `a[expr]` otherwise; a
 *   filter with relative identifiers (`a[.x > 1]`) keeps the elements for which it is truthy,
 *   evaluating it against the element, or against the root context when the element is falsy;
 * - errors: where jexl evaluates several children "in parallel" (both operands of a non-logical
 *   binary operator, function arguments, array and object literal members, the elements of a
 *   relative filter) it evaluates all of them even when one fails, then rethrows the first
 *   failure wrapped as `Error(String(err))`; elsewhere the error passes through unchanged;
 * - a rule function's own error is what the evaluation reports (the engine keeps the last one
 *   thrown, as JexlEngine does around jexl).
 * Anything else (transforms, functions that are not rule functions, operators added to the
 * grammar, a parse tree of an unexpected shape) is not compiled: `compileJexl` returns
 * undefined and the caller evaluates that rule with jexl itself.
 */
import { RULE_FUNCTIONS } from '../../domain/expression';
import type { EvaluationContext } from '../../domain/evaluation';
import type { RuleFunctions } from '../../domain/functions';

/** A compiled node: root context, relative context (the filter element, or the root), functions. */
type Node = (context: EvaluationContext, relative: unknown, functions: RuleFunctions) => unknown;

/** What is thrown while evaluating: the last rule-function error wins, as in JexlEngine. */
interface ErrorTrack {
  thrown: unknown;
}

export type CompiledJexl = (context: EvaluationContext, functions: RuleFunctions) => unknown;

class Unsupported extends Error {}

export type Ast = Record<string, unknown>;

function isAst(value: unknown): value is Ast {
  return typeof value === 'object' && value !== null && typeof (value as Ast).type === 'string';
}

function child(ast: Ast, key: string): Ast {
  const value = ast[key];
  if (!isAst(value)) throw new Unsupported(`${String(ast.type)} without ${key}`);
  return value;
}

/** jexl's PromiseSync.all: a failed member is rethrown as `Error(member's error)`. */
function wrapped(err: unknown): Error {
  return new Error(String(err));
}

/** Evaluates for effect only (a sibling of a failed member still runs in jexl). */
function drain(nodes: readonly Node[], from: number, context: EvaluationContext, relative: unknown, functions: RuleFunctions): void {
  for (let k = from; k < nodes.length; k += 1) {
    try {
      nodes[k](context, relative, functions);
    } catch {
      // jexl reports the first failure only.
    }
  }
}

/** All members, in order; on a failure the rest still run, then the first failure is rethrown wrapped. */
function all(nodes: readonly Node[], context: EvaluationContext, relative: unknown, functions: RuleFunctions): unknown[] {
  const values: unknown[] = new Array(nodes.length);
  for (let k = 0; k < nodes.length; k += 1) {
    try {
      values[k] = nodes[k](context, relative, functions);
    } catch (err) {
      drain(nodes, k + 1, context, relative, functions);
      throw wrapped(err);
    }
  }
  return values;
}

type BinaryOp = (left: unknown, right: unknown) => unknown;
// jexl's `==` and `!=` are JavaScript's loose operators.
const BINARY: Record<string, BinaryOp> = {
  '+': (l, r) => (l as number) + (r as number),
  '-': (l, r) => (l as number) - (r as number),
  '*': (l, r) => (l as number) * (r as number),
  '/': (l, r) => (l as number) / (r as number),
  '//': (l, r) => Math.floor((l as number) / (r as number)),
  '%': (l, r) => (l as number) % (r as number),
  '^': (l, r) => Math.pow(l as number, r as number),
  '==': (l, r) => l == r,
  '!=': (l, r) => l != r,
  '>': (l, r) => (l as number) > (r as number),
  '>=': (l, r) => (l as number) >= (r as number),
  '<': (l, r) => (l as number) < (r as number),
  '<=': (l, r) => (l as number) <= (r as number),
  in: (l, r) => {
    if (typeof r === 'string') return r.indexOf(l as string) !== -1;
    if (Array.isArray(r)) return r.some((element) => element === l);
    return false;
  },
};

function own(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/** One member of a group jexl evaluates together, when it is the only one that can fail. */
function member(node: Node, context: EvaluationContext, relative: unknown, functions: RuleFunctions): unknown {
  try {
    return node(context, relative, functions);
  } catch (err) {
    throw wrapped(err);
  }
}

/** A non-logical binary operator: both operands are evaluated, as jexl's Promise.all does. */
function binary(op: BinaryOp, left: Node, right: Node, leftLiteral: { value: unknown } | undefined): Node {
  if (leftLiteral) {
    // A literal on the left cannot fail: only the right operand's failure matters.
    const value = leftLiteral.value;
    return (c, r, f) => op(value, member(right, c, r, f));
  }
  const rest = [right];
  return (c, r, f) => {
    let a: unknown;
    try {
      a = left(c, r, f);
    } catch (err) {
      drain(rest, 0, c, r, f);
      throw wrapped(err);
    }
    return op(a, member(right, c, r, f));
  };
}

/** Specialised closures for the comparisons rules are made of, with a literal on the right. */
function compareWithLiteral(operator: string, left: Node, value: unknown): Node | undefined {
  const guard = (test: (a: unknown) => unknown): Node => (c, r, f) => test(member(left, c, r, f));
  switch (operator) {
    case '<': return guard((a) => (a as number) < (value as number));
    case '<=': return guard((a) => (a as number) <= (value as number));
    case '>': return guard((a) => (a as number) > (value as number));
    case '>=': return guard((a) => (a as number) >= (value as number));
    case '==': return guard((a) => a == value);
    case '!=': return guard((a) => a != value);
    default: return undefined;
  }
}

/** Wraps the closure of each node (tracing for explain); identity when not tracing. */
type NodeWrap = (ast: Ast, node: Node) => Node;

class Compiler {
  constructor(
    private readonly track: ErrorTrack,
    private readonly wrap?: NodeWrap,
  ) {}

  node(ast: Ast): Node {
    const built = this.build(ast);
    return this.wrap ? this.wrap(ast, built) : built;
  }

  private build(ast: Ast): Node {
    switch (ast.type) {
      case 'Literal': {
        const value = ast.value;
        return () => value;
      }
      case 'Identifier':
        return this.identifier(ast);
      case 'BinaryExpression':
        return this.binary(ast);
      case 'UnaryExpression': {
        if (ast.operator !== '!') throw new Unsupported(`unary ${String(ast.operator)}`);
        const right = this.node(child(ast, 'right'));
        return (c, r, f) => !right(c, r, f);
      }
      case 'ConditionalExpression':
        return this.conditional(ast);
      case 'FilterExpression':
        return this.filter(ast);
      case 'FunctionCall':
        return this.call(ast);
      case 'ArrayLiteral': {
        if (!Array.isArray(ast.value) || !ast.value.every(isAst)) throw new Unsupported('array literal');
        const members = (ast.value as Ast[]).map((m) => this.node(m));
        return (c, r, f) => all(members, c, r, f);
      }
      case 'ObjectLiteral': {
        const map = ast.value;
        if (typeof map !== 'object' || map === null) throw new Unsupported('object literal');
        const keys = Object.keys(map);
        const members = keys.map((key) => {
          const member = (map as Record<string, unknown>)[key];
          if (!isAst(member)) throw new Unsupported('object literal member');
          return this.node(member);
        });
        return (c, r, f) => {
          const values = all(members, c, r, f);
          const result: Record<string, unknown> = {};
          for (let k = 0; k < keys.length; k += 1) result[keys[k]] = values[k];
          return result;
        };
      }
      default:
        throw new Unsupported(`node ${String(ast.type)}`);
    }
  }

  private identifier(ast: Ast): Node {
    const name = ast.value;
    if (typeof name !== 'string') throw new Unsupported('identifier');
    if (!ast.from) {
      if (ast.relative) return (_c, r) => (r as Record<string, unknown>)[name];
      return (c) => c[name];
    }
    const from = this.node(child(ast, 'from'));
    return (c, r, f) => {
      let value = from(c, r, f);
      if (value === undefined || value === null) return undefined;
      if (Array.isArray(value)) value = value[0];
      return (value as Record<string, unknown>)[name];
    };
  }

  private binary(ast: Ast): Node {
    const operator = ast.operator;
    if (typeof operator !== 'string') throw new Unsupported('binary operator');
    const leftAst = child(ast, 'left');
    const rightAst = child(ast, 'right');
    const left = this.node(leftAst);
    const right = this.node(rightAst);
    if (operator === '&&') return (c, r, f) => {
      const a = left(c, r, f);
      return a ? right(c, r, f) : a;
    };
    if (operator === '||') return (c, r, f) => {
      const a = left(c, r, f);
      return a ? a : right(c, r, f);
    };
    if (!own(BINARY, operator)) throw new Unsupported(`operator ${operator}`);
    if (rightAst.type === 'Literal') {
      const fast = compareWithLiteral(operator, left, rightAst.value);
      if (fast) return fast;
    }
    return binary(BINARY[operator], left, right, leftAst.type === 'Literal' ? { value: leftAst.value } : undefined);
  }

  private conditional(ast: Ast): Node {
    const test = this.node(child(ast, 'test'));
    const alternate = this.node(child(ast, 'alternate'));
    // `a ?: b` leaves no consequent: jexl then yields the test's value.
    if (!ast.consequent) return (c, r, f) => {
      const value = test(c, r, f);
      return value ? value : alternate(c, r, f);
    };
    const consequent = this.node(child(ast, 'consequent'));
    return (c, r, f) => (test(c, r, f) ? consequent(c, r, f) : alternate(c, r, f));
  }

  private filter(ast: Ast): Node {
    const subject = this.node(child(ast, 'subject'));
    const expr = this.node(child(ast, 'expr'));
    if (ast.relative) {
      return (c, r, f) => {
        let items = subject(c, r, f);
        if (!Array.isArray(items)) items = items === undefined ? [] : [items];
        const list = items as unknown[];
        // forEach, as jexl: holes of a sparse array are skipped.
        const kept: unknown[] = [];
        const tests: Node[] = [];
        list.forEach((element) => tests.push((root, _r, fns) => expr(root, element || root, fns)));
        const values = all(tests, c, r, f);
        values.forEach((value, index) => {
          if (value) kept.push(list[index]);
        });
        return kept;
      };
    }
    return (c, r, f) => {
      const value = subject(c, r, f);
      const key = expr(c, r, f);
      if (typeof key === 'boolean') return key ? value : undefined;
      return (value as Record<string, unknown>)[key as string];
    };
  }

  private call(ast: Ast): Node {
    const name = ast.name;
    if (ast.pool !== 'functions' || typeof name !== 'string' || !own(RULE_FUNCTIONS, name)) throw new Unsupported(`function ${String(name)}`);
    const fnName = name as keyof RuleFunctions;
    const argAsts = ast.args === undefined ? [] : ast.args;
    if (!Array.isArray(argAsts) || !argAsts.every(isAst)) throw new Unsupported('function arguments');
    const track = this.track;
    const invoke = (f: RuleFunctions, args: unknown[]): unknown => {
      try {
        return f[fnName](...args);
      } catch (err) {
        track.thrown = err;
        throw err;
      }
    };
    if ((argAsts as Ast[]).every((a) => a.type === 'Literal')) {
      const values = (argAsts as Ast[]).map((a) => a.value);
      if (values.length === 2) {
        const [a0, a1] = values;
        return (_c, _r, f) => {
          try {
            return f[fnName](a0, a1);
          } catch (err) {
            track.thrown = err;
            throw err;
          }
        };
      }
      return (_c, _r, f) => invoke(f, values.slice());
    }
    const args = (argAsts as Ast[]).map((a) => this.node(a));
    return (c, r, f) => invoke(f, all(args, c, r, f));
  }
}

/** The closures for a parse tree, or undefined when some part of it is not compiled (use jexl). */
export function compileJexl(ast: unknown): CompiledJexl | undefined {
  return compileWith(ast);
}

/** What one node produced in a traced evaluation (its last evaluation, inside a filter). */
export type NodeOutcome = { value: unknown } | { error: unknown };

export interface TracedJexl {
  evaluate: CompiledJexl;
  /** The outcome of every node evaluated by the last `evaluate` (absent: not evaluated). */
  outcomes: Map<Ast, NodeOutcome>;
}

/**
 * The same closures as `compileJexl`, each node wrapped to record what it produced: explain
 * (domain/explain.ts) reads the value of every sub-expression from the very code that
 * evaluates rules, so the two cannot disagree. Not used on the evaluation path.
 */
export function traceJexl(ast: unknown): TracedJexl | undefined {
  const outcomes = new Map<Ast, NodeOutcome>();
  const wrap: NodeWrap = (node, inner) => (c, r, f) => {
    try {
      const value = inner(c, r, f);
      outcomes.set(node, { value });
      return value;
    } catch (err) {
      outcomes.set(node, { error: err });
      throw err;
    }
  };
  const compiled = compileWith(ast, wrap);
  if (!compiled) return undefined;
  return {
    outcomes,
    evaluate: (context, functions) => {
      outcomes.clear();
      return compiled(context, functions);
    },
  };
}

function compileWith(ast: unknown, wrap?: NodeWrap): CompiledJexl | undefined {
  if (!isAst(ast)) return undefined;
  const track: ErrorTrack = { thrown: undefined };
  let root: Node;
  try {
    root = new Compiler(track, wrap).node(ast);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  return (context, functions) => {
    const previous = track.thrown;
    track.thrown = undefined;
    try {
      return root(context, context, functions);
    } catch (err) {
      throw track.thrown ?? err;
    } finally {
      track.thrown = previous;
    }
  };
}
