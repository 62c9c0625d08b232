/**
 * @module Rule text → AST. The grammar is the subset of Go expressions Traefik accepts:
 * `Matcher(arg, …)` calls joined by `&&` (binds tighter), `||`, `!` and parentheses; arguments are
 * non-empty Go string literals. Errors are SY_RULE_SYNTAX with the offending token's column.
 */
import { RuleError } from '../errors.ts';
import type { AndNode, MatcherNode, OrNode, RuleArgument, RuleNode } from './ast.ts';
import { decodeGoString } from './go-string.ts';
import { tokenize, type Token } from './tokenize.ts';

export function parseRule(text: string): RuleNode {
  return new RuleParser(tokenize(text)).parse();
}

class RuleParser {
  readonly #tokens: readonly Token[];
  #index = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  parse(): RuleNode {
    const rule = this.#or();
    if (this.#peek().kind === 'newline') this.#index++;
    if (this.#peek().kind !== 'end') this.#unexpected(this.#peek());
    return rule;
  }

  #or(): RuleNode {
    const operands = [this.#and()];
    while (this.#accept('||')) operands.push(this.#and());
    return operands.length === 1 ? operands[0]! : disjunction(operands);
  }

  #and(): RuleNode {
    const operands = [this.#unary()];
    while (this.#accept('&&')) operands.push(this.#unary());
    return operands.length === 1 ? operands[0]! : conjunction(operands);
  }

  #unary(): RuleNode {
    if (this.#accept('!')) return negate(this.#unary());
    if (this.#accept('(')) {
      const inner = this.#or();
      this.#expect(')');
      return inner;
    }
    return this.#call();
  }

  #call(): MatcherNode {
    const name = this.#next();
    if (name.kind !== 'ident') this.#unexpected(name);
    this.#expect('(');
    const args: RuleArgument[] = [];
    // The loop head also accepts a trailing comma before `)`, as Go does.
    while (!this.#accept(')')) {
      const literal = this.#next();
      if (literal.kind !== 'string') this.#unexpected(literal);
      const value = decodeGoString(literal.text, literal.column);
      if (value === '') throw new RuleError('SY_RULE_SYNTAX', `empty argument to ${name.text}`, literal.column);
      args.push({ value, column: literal.column });
      if (this.#accept(')')) break;
      this.#expect(',');
    }
    return { kind: 'matcher', name: name.text, column: name.column, args, negated: false };
  }

  #peek(): Token {
    return this.#tokens[this.#index]!;
  }

  #next(): Token {
    const token = this.#tokens[this.#index]!;
    if (token.kind !== 'end') this.#index++;
    return token;
  }

  #accept(kind: Token['kind']): boolean {
    if (this.#peek().kind !== kind) return false;
    this.#index++;
    return true;
  }

  #expect(kind: Token['kind']): void {
    if (!this.#accept(kind)) this.#unexpected(this.#peek(), kind);
  }

  #unexpected(token: Token, expected?: string): never {
    const found =
      token.kind === 'end' ? 'end of rule'
      : token.kind === 'newline' ? 'line break'
      : token.kind === 'string' ? `string ${token.text}`
      : token.kind === 'ident' ? `name ${token.text}`
      : JSON.stringify(token.text);
    const hint = expected === undefined ? '' : `, expected ${JSON.stringify(expected)}`;
    throw new RuleError('SY_RULE_SYNTAX', `unexpected ${found}${hint}`, token.column);
  }
}

/** De Morgan, applied as the tree is built: `!(A || B)` becomes `!A && !B`. */
function negate(node: RuleNode): RuleNode {
  if (node.kind === 'matcher') return { ...node, negated: !node.negated };
  const operands = node.operands.map(negate);
  return node.kind === 'and' ? disjunction(operands) : conjunction(operands);
}

function conjunction(operands: readonly RuleNode[]): AndNode {
  return { kind: 'and', operands: operands.flatMap((op) => (op.kind === 'and' ? op.operands : [op])) };
}

function disjunction(operands: readonly RuleNode[]): OrNode {
  return { kind: 'or', operands: operands.flatMap((op) => (op.kind === 'or' ? op.operands : [op])) };
}
