/**
 * @module A cursor over the code points of a Go regexp, reporting errors as SY_RULE_REGEXP at the
 * column of the rule argument that holds the regexp (with the offset inside it).
 */
import { RuleError } from '../errors.ts';

export class PatternReader {
  readonly chars: readonly string[];
  /** Index of the next code point. */
  pos = 0;
  readonly #column: number;

  constructor(pattern: string, column: number) {
    this.chars = Array.from(pattern);
    this.#column = column;
  }

  get done(): boolean {
    return this.pos >= this.chars.length;
  }

  peek(ahead = 0): string | undefined {
    return this.chars[this.pos + ahead];
  }

  next(): string | undefined {
    return this.chars[this.pos++];
  }

  /** The text from `start` up to the cursor. */
  since(start: number): string {
    return this.chars.slice(start, this.pos).join('');
  }

  /** Throws; `offset` moves the reported regexp offset relative to the cursor. */
  fail(message: string, offset = 0): never {
    const at = Math.max(0, this.pos + offset);
    throw new RuleError('SY_RULE_REGEXP', `invalid regexp: ${message} (regexp offset ${at})`, this.#column);
  }
}
