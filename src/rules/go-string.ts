/**
 * @module Go string literals as rule arguments: raw (backticks, carriage returns dropped) or
 * interpreted (double quotes with Go's escapes). Byte escapes (`\xNN`, `\NNN`) build UTF-8, as in Go.
 */
import { RuleError } from '../errors.ts';
import { decodeUtf8Strictly } from './byte-string.ts';

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b, '\\': 0x5c, '"': 0x22,
};

/** Decodes a complete literal token (quotes included) found at `column`. */
export function decodeGoString(literal: string, column: number): string {
  const body = literal.slice(1, -1);
  if (literal.startsWith('`')) return body.replaceAll('\r', '');
  if (!body.includes('\\')) return body;
  const fail = (message: string): never => {
    throw new RuleError('SY_RULE_SYNTAX', message, column);
  };
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < body.length; ) {
    const cp = body.codePointAt(i)!;
    if (cp !== 0x5c) {
      const char = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(char));
      i += char.length;
      continue;
    }
    const kind = body[i + 1] ?? '';
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) {
      bytes.push(simple);
      i += 2;
    } else if (kind >= '0' && kind <= '7') {
      const digits = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) fail(`invalid octal escape \\${digits}`);
      bytes.push(parseInt(digits, 8));
      i += 4;
    } else if (kind === 'x' || kind === 'u' || kind === 'U') {
      const width = kind === 'x' ? 2 : kind === 'u' ? 4 : 8;
      const digits = body.slice(i + 2, i + 2 + width);
      if (!new RegExp(`^[0-9A-Fa-f]{${width}}$`).test(digits)) fail(`invalid escape \\${kind}${digits}`);
      const value = parseInt(digits, 16);
      if (kind === 'x') bytes.push(value);
      else if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) fail(`escape \\${kind}${digits} is not a valid Unicode code point`);
      else bytes.push(...encoder.encode(String.fromCodePoint(value)));
      i += 2 + width;
    } else {
      fail(`unknown escape sequence \\${kind}`);
    }
  }
  return decodeUtf8Strictly(Uint8Array.from(bytes)) ?? fail('string literal is not valid UTF-8 once its escapes are applied');
}
