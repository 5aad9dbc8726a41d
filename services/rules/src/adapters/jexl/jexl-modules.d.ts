// jexl 2.3.0 ships no type declarations; these cover the parts the adapter uses.
declare module 'jexl/dist/Jexl' {
  export interface JexlToken {
    type: string;
    value: unknown;
    raw: string;
  }
  export interface JexlGrammar {
    functions: Record<string, unknown>;
    transforms: Record<string, unknown>;
  }
  export interface JexlExpression {
    compile(): JexlExpression;
    evalSync(context?: object): unknown;
    _ast: unknown;
  }
  export class Jexl {
    _grammar: JexlGrammar;
    addFunction(name: string, fn: (...args: unknown[]) => unknown): void;
    compile(expression: string): JexlExpression;
    createExpression(expression: string): JexlExpression;
    evalSync(expression: string, context?: object): unknown;
  }
}
declare module 'jexl/dist/Lexer' {
  import type { JexlGrammar, JexlToken } from 'jexl/dist/Jexl';
  class Lexer {
    constructor(grammar: JexlGrammar);
    getElements(source: string): string[];
    _createToken(element: string): JexlToken;
    _isNegative(tokens: JexlToken[]): boolean;
    _isWhitespace(element: string): boolean;
  }
  export = Lexer;
}
declare module 'jexl/dist/parser/Parser' {
  import type { JexlGrammar, JexlToken } from 'jexl/dist/Jexl';
  class Parser {
    constructor(grammar: JexlGrammar, prefix?: string, stopMap?: object);
    addToken(token: JexlToken): unknown;
    complete(): unknown;
  }
  export = Parser;
}
