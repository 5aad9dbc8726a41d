/**
 * The expression engine on JEXL 2.3. Expressions are parsed once by JEXL's parser, and the
 * parse tree is compiled to closures (jexl-compiler.ts) that evaluate synchronously with
 * JEXL's semantics. A tree the compiler does not cover is evaluated by JEXL itself
 * (`evalSync`): the stateful functions are registered once on a private Jexl instance and
 * delegate to the functions of the evaluation in progress (evaluation is synchronous, so
 * there is exactly one at a time). Syntax errors are located by feeding the tokens to JEXL's
 * parser one at a time, since JEXL's own messages carry no position.
 */
import { Jexl, type JexlToken } from 'jexl/dist/Jexl';
import Lexer from 'jexl/dist/Lexer';
import Parser from 'jexl/dist/parser/Parser';
import { compileJexl, traceJexl, type Ast, type TracedJexl } from './jexl-compiler';
import { traceTree } from './jexl-trace';
import type { TraceableExpression, TraceNode } from '../../domain/explain';
import { RULE_FUNCTIONS, type RuleFunctionName } from '../../domain/expression';
import { ExpressionSyntaxError, type CompiledExpression, type EvaluationContext, type ExpressionEngine } from '../../domain/evaluation';
import type { RuleFunctions } from '../../domain/functions';

/** A compiled expression, and whether it runs as closures (false: JEXL's own evaluator). */
export interface JexlCompiledExpression extends CompiledExpression, TraceableExpression {
  readonly closures: boolean;
}

export interface JexlEngineOptions {
  /** Compile parse trees to closures (default); false evaluates everything with JEXL (the reference in tests). */
  closures?: boolean;
}

export class JexlEngine implements ExpressionEngine {
  private readonly jexl = new Jexl();
  private readonly closures: boolean;
  private current: RuleFunctions | undefined;
  /** JEXL's synchronous evaluator re-wraps thrown errors in a plain Error; keep the original. */
  private thrown: unknown;

  constructor(options: JexlEngineOptions = {}) {
    this.closures = options.closures ?? true;
    for (const name of Object.keys(RULE_FUNCTIONS) as RuleFunctionName[]) {
      this.jexl.addFunction(name, (...args: unknown[]) => {
        if (!this.current) throw new Error(`${name}() called outside an evaluation`);
        try {
          return this.current[name](...args);
        } catch (err) {
          this.thrown = err;
          throw err;
        }
      });
    }
  }

  compile(source: string): JexlCompiledExpression {
    const ast = this.parse(source);
    const compiled = this.closures ? compileJexl(ast) : undefined;
    if (compiled) return { closures: true, evaluate: compiled, trace: tracer(ast as Ast) };
    const expression = this.jexl.createExpression(source);
    expression._ast = ast;
    return {
      closures: false,
      evaluate: (context: EvaluationContext, functions: RuleFunctions): unknown => {
        const previous = this.current;
        this.current = functions;
        this.thrown = undefined;
        try {
          return expression.evalSync(context);
        } catch (err) {
          throw this.thrown ?? err;
        } finally {
          this.thrown = undefined;
          this.current = previous;
        }
      },
    };
  }

  private parse(source: string): unknown {
    const grammar = this.jexl._grammar;
    const lexer = new Lexer(grammar);
    const parser = new Parser(grammar);
    const elements = lexer.getElements(source);
    const tokens: JexlToken[] = [];
    let offset = 0;
    let negateAt: number | undefined;
    for (const element of elements) {
      const at = offset;
      offset += element.length;
      if (lexer._isWhitespace(element)) continue;
      if (element === '-' && lexer._isNegative(tokens)) {
        negateAt = at;
        continue;
      }
      const start = negateAt ?? at;
      let token: JexlToken;
      try {
        token = lexer._createToken(negateAt !== undefined ? `-${element}` : element);
      } catch {
        throw new ExpressionSyntaxError(`invalid token '${element}'`, start);
      }
      negateAt = undefined;
      tokens.push(token);
      try {
        parser.addToken(token);
      } catch {
        throw new ExpressionSyntaxError(`unexpected '${element.trim()}'`, start);
      }
    }
    try {
      return parser.complete();
    } catch {
      throw new ExpressionSyntaxError('unexpected end of expression', source.length);
    }
  }
}

/** Explain's traced twin of the closures, compiled on first use (explain is rare; evaluation never pays for it). */
function tracer(ast: Ast): (context: EvaluationContext, functions: RuleFunctions) => TraceNode {
  let traced: TracedJexl | undefined;
  return (context, functions) => {
    traced ??= traceJexl(ast);
    if (!traced) throw new Error('a parse tree that compiles to closures must also trace');
    try {
      traced.evaluate(context, functions);
    } catch {
      // The error is recorded on the nodes that threw.
    }
    return traceTree(ast, traced.outcomes);
  };
}
