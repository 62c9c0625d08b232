/**
 * @module One haproxy.cfg line into words, as HAProxy's `parse_line` (src/tools.c) splits it with
 * the options `readcfgfile` passes: unquoted blanks separate words; `#` outside quotes starts a
 * comment; `"…"` and `'…'` quote (environment variables expand inside double quotes only);
 * backslash escapes `\ `, `\\`, `\#`, `\'`, `\"`, `\t`, `\n`, `\r`, `\xHH` and, inside double
 * quotes, `\$`, while any other backslash stays as written (`\1`, `\.` reach regexes intact).
 *
 * HAProxy has no line continuation (2.6 reads a trailing `\` as a literal word and the next line
 * as a new directive); the importer accepts one anyway, since hand-edited files use it, and the
 * parser tells the operator that HAProxy itself would not read the file that way.
 */
import { SwitchyardError } from '../../errors.ts';

export interface LineContext {
  /** `file:line`, for errors. */
  readonly where: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Values of HAProxy's pseudo-variables `.FILE`, `.LINE`, `.SECTION`. */
  readonly file: string;
  readonly line: number;
  readonly section: string;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { ' ': ' ', '\\': '\\', t: '\t', n: '\n', r: '\r', '#': '#' };

/** Splits `text` (one logical line, without its newline) into words; throws SY_HAPROXY_PARSE. */
export function tokenizeLine(text: string, ctx: LineContext): string[] {
  const words: string[] = [];
  let word = '';
  let squote = false;
  let dquote = false;
  let quoteAt = -1;
  let i = 0;
  // Leading blanks are skipped before parsing, as readcfgfile does.
  while (i < text.length && isBlank(text[i]!)) i++;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#' && !squote && !dquote) break;
    if (c === '"' && !squote) {
      dquote = !dquote;
      quoteAt = i;
      i++;
      continue;
    }
    if (c === "'" && !dquote) {
      squote = !squote;
      quoteAt = i;
      i++;
      continue;
    }
    if (c === '\\' && !squote) {
      const next = text[i + 1];
      if (next !== undefined && SIMPLE_ESCAPES[next] !== undefined) {
        word += SIMPLE_ESCAPES[next];
        i += 2;
      } else if (next === "'" || next === '"' || (next === '$' && dquote)) {
        word += next;
        i += 2;
      } else if (next === 'x') {
        const hex = text.slice(i + 2, i + 4);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw parseError(ctx, `truncated or invalid hexadecimal sequence at position ${i + 1}`);
        word += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else {
        word += '\\';
        i++;
      }
      continue;
    }
    if (isBlank(c) && !squote && !dquote) {
      while (i < text.length && isBlank(text[i]!)) i++;
      words.push(word);
      word = '';
      continue;
    }
    if (c === '$' && dquote) {
      const expanded = expandVariable(text, i, ctx);
      i = expanded.end;
      // `${NAME[*]}` splits the value into words on blanks.
      if (expanded.split) {
        const parts = expanded.value.split(/[ \t]+/);
        word += parts[0] ?? '';
        for (const part of parts.slice(1)) {
          words.push(word);
          word = part;
        }
      } else word += expanded.value;
      continue;
    }
    word += c;
    i++;
  }
  if (squote || dquote) throw parseError(ctx, `unmatched quote at position ${quoteAt + 1}`);
  // parse_line drops a trailing empty word (after trailing blanks), but keeps `""` mid-line.
  if (word !== '') words.push(word);
  return words;
}

/**
 * True when `text` ends with a backslash that is neither escaped nor inside single quotes nor in a
 * comment: the importer then joins the next physical line onto this one.
 */
export function endsWithContinuation(text: string): boolean {
  let squote = false;
  let dquote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '#' && !squote && !dquote) return false;
    if (c === '"' && !squote) dquote = !dquote;
    else if (c === "'" && !dquote) squote = !squote;
    else if (c === '\\' && !squote) {
      if (i === text.length - 1) return true;
      i++;
    }
  }
  return false;
}

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\v' || c === '\f' || c === '\r';
}

/** `$NAME`, `${NAME}`, `${NAME-default}`, `${NAME[*]}` starting at the `$` at `start`. */
function expandVariable(text: string, start: number, ctx: LineContext): { value: string; end: number; split: boolean } {
  let i = start + 1;
  const braced = text[i] === '{';
  if (braced) i++;
  const first = text[i] ?? '';
  if (!/[A-Za-z_.]/.test(first)) throw parseError(ctx, `forbidden first char in environment variable name at position ${i + 1}`);
  const nameStart = i;
  if (first === '.') i++;
  while (i < text.length && /[A-Za-z0-9_]/.test(text[i]!)) i++;
  const name = text.slice(nameStart, i);
  let value: string | undefined;
  if (name.startsWith('.')) {
    const pseudo: Readonly<Record<string, string>> = { '.LINE': String(ctx.line), '.FILE': ctx.file, '.SECTION': ctx.section };
    value = pseudo[name];
    if (value === undefined) throw parseError(ctx, `unsupported internal variable ${name}`);
  } else value = ctx.env[name];
  let split = false;
  if (braced && text.startsWith('[*]', i)) {
    split = true;
    i += 3;
  } else if (braced && text[i] === '[') throw parseError(ctx, `wrong word expansion at position ${i + 1} (only [*] exists)`);
  if (braced) {
    if (text[i] === '-') {
      const close = text.indexOf('}', i);
      if (close === -1) throw parseError(ctx, `unmatched brace in environment variable name at position ${nameStart}`);
      value ??= text.slice(i + 1, close);
      i = close;
    }
    if (text[i] !== '}') throw parseError(ctx, `unmatched brace in environment variable name at position ${nameStart}`);
    i++;
  }
  return { value: value ?? '', end: i, split };
}

function parseError(ctx: LineContext, message: string): SwitchyardError {
  return new SwitchyardError('SY_HAPROXY_PARSE', message, ctx.where);
}
