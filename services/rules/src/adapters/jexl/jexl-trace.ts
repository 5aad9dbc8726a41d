/**
 * A JEXL parse tree and the outcomes a traced evaluation recorded (jexl-compiler.ts
 * `traceJexl`) as the domain's explain tree. Literals are folded into their parent's closure
 * by the compiler, so a literal counts as evaluated when its parent was.
 */
import type { TraceNode } from '../../domain/explain';
import type { Ast, NodeOutcome } from './jexl-compiler';

function isAst(value: unknown): value is Ast {
  return typeof value === 'object' && value !== null && typeof (value as Ast).type === 'string';
}

function childrenOf(ast: Ast): Ast[] {
  switch (ast.type) {
    case 'BinaryExpression':
      return [ast.left, ast.right].filter(isAst);
    case 'UnaryExpression':
      return [ast.right].filter(isAst);
    case 'ConditionalExpression':
      return [ast.test, ast.consequent, ast.alternate].filter(isAst);
    case 'FilterExpression':
      return [ast.subject, ast.expr].filter(isAst);
    case 'Identifier':
      return isAst(ast.from) ? [ast.from] : [];
    case 'FunctionCall':
      return Array.isArray(ast.args) ? ast.args.filter(isAst) : [];
    case 'ArrayLiteral':
      return Array.isArray(ast.value) ? ast.value.filter(isAst) : [];
    case 'ObjectLiteral':
      return typeof ast.value === 'object' && ast.value !== null ? Object.values(ast.value).filter(isAst) : [];
    default:
      return [];
  }
}

/** The node re-printed as JEXL, parenthesised wherever an operator is involved. */
export function printJexl(ast: Ast): string {
  const [a, b, c] = childrenOf(ast);
  switch (ast.type) {
    case 'Literal':
      return JSON.stringify(ast.value) ?? String(ast.value);
    case 'Identifier':
      return a ? `${printJexl(a)}.${String(ast.value)}` : `${ast.relative ? '.' : ''}${String(ast.value)}`;
    case 'BinaryExpression':
      return `(${printJexl(a)} ${String(ast.operator)} ${printJexl(b)})`;
    case 'UnaryExpression':
      return `${String(ast.operator)}${printJexl(a)}`;
    case 'ConditionalExpression':
      return ast.consequent ? `(${printJexl(a)} ? ${printJexl(b)} : ${printJexl(c)})` : `(${printJexl(a)} ?: ${printJexl(b)})`;
    case 'FilterExpression':
      return `${printJexl(a)}[${ast.relative ? '.' : ''}${printJexl(b)}]`;
    case 'FunctionCall':
      return `${String(ast.name)}(${childrenOf(ast).map(printJexl).join(', ')})`;
    case 'ArrayLiteral':
      return `[${childrenOf(ast).map(printJexl).join(', ')}]`;
    case 'ObjectLiteral': {
      const map = ast.value as Record<string, Ast>;
      return `{${Object.keys(map).map((k) => `${k}: ${printJexl(map[k])}`).join(', ')}}`;
    }
    default:
      return String(ast.type);
  }
}

/** The explain tree of `ast` from the outcomes of one traced evaluation. */
export function traceTree(ast: Ast, outcomes: ReadonlyMap<Ast, NodeOutcome>, parentEvaluated = true): TraceNode {
  const recorded = outcomes.get(ast);
  const literal = ast.type === 'Literal';
  const evaluated = recorded !== undefined || (literal && parentEvaluated);
  const node: TraceNode = { type: String(ast.type), text: printJexl(ast), evaluated, children: [] };
  if (typeof ast.operator === 'string') node.operator = ast.operator;
  if (ast.type === 'FunctionCall') node.operator = String(ast.name);
  if (evaluated) {
    if (literal && !recorded) node.value = ast.value;
    else if (recorded && 'error' in recorded) node.error = recorded.error instanceof Error ? recorded.error.message : String(recorded.error);
    else if (recorded) {
      if (recorded.value === undefined) node.undefined = true;
      else node.value = recorded.value;
    }
  }
  node.children = childrenOf(ast).map((c) => traceTree(c, outcomes, evaluated));
  return node;
}
