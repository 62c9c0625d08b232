/**
 * @module Splits rule text into tokens the way Go's scanner would (Traefik parses rules with
 * go/parser), including Go's automatic semicolon: a line break after a name, a string or `)` ends
 * the expression, so only a break after `&&`, `||`, `!`, `(` or `,` may continue a rule.
 * Columns are 1-based offsets in code points from the start of the rule (the column, for the
 * one-line rules everyone writes).
 */
import { RuleError } from '../errors.ts';

export type TokenKind = 'ident' | 'string' | '(' | ')' | ',' | '&&' | '||' | '!' | 'newline' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** Source text (a string token keeps its quotes). */
  readonly text: string;
  /** 1-based, counted in code points. */
  readonly column: number;
}

const ENDS_LINE = new Set<TokenKind>(['ident', 'string', ')']);

export function tokenize(text: string): Token[] {
  // Sticky, so it carries `lastIndex`: one per call keeps module state immutable.
  const identifier = /[\p{L}_][\p{L}\p{Nd}_]*/uy;
  const tokens: Token[] = [];
  let i = 0;
  let column = 1;
  const push = (kind: TokenKind, length: number): void => {
    const tokenText = text.slice(i, i + length);
    tokens.push({ kind, text: tokenText, column });
    column += codePointCount(tokenText);
    i += length;
  };
  const fail = (message: string): never => {
    throw new RuleError('SY_RULE_SYNTAX', message, column);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      const last = tokens.at(-1);
      if (c === '\n' && last !== undefined && ENDS_LINE.has(last.kind)) push('newline', 1);
      else {
        i++;
        column++;
      }
    } else if (c === '(' || c === ')' || c === ',' || c === '!') {
      push(c, 1);
    } else if ((c === '&' || c === '|') && text[i + 1] === c) {
      push(c === '&' ? '&&' : '||', 2);
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) fail('raw string literal not terminated');
      push('string', end + 1 - i);
    } else if (c === '"') {
      push('string', interpretedLength(text, i) ?? fail('string literal not terminated'));
    } else if (c === "'") {
      fail('single quotes are not allowed; use backticks or double quotes');
    } else {
      identifier.lastIndex = i;
      const name = identifier.exec(text);
      if (name === null) fail(`unexpected character ${JSON.stringify(String.fromCodePoint(text.codePointAt(i)!))}`);
      push('ident', name![0].length);
    }
  }
  tokens.push({ kind: 'end', text: '', column });
  return tokens;
}

/** Length of the double-quoted literal starting at `start`, or undefined if it never closes on its line. */
function interpretedLength(text: string, start: number): number | undefined {
  for (let j = start + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\n') return undefined;
    if (c === '\\') j++;
    else if (c === '"') return j + 1 - start;
  }
  return undefined;
}

function codePointCount(text: string): number {
  let count = 0;
  for (let j = 0; j < text.length; j++) {
    const unit = text.charCodeAt(j);
    if (unit < 0xdc00 || unit > 0xdfff) count++;
  }
  return count;
}
