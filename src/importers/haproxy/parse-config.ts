/**
 * @module haproxy.cfg text → sections of tokenized directives, each with its line number. Knows
 * the file's structure and nothing of what directives mean: section headers (`defaults [name]
 * [from x]`, `frontend|backend|listen <name> [from x]`, `userlist`, …), which defaults section
 * each proxy inherits from (the last one above it, or the named one after `from`), `global
 * setenv`/`presetenv` (they change the variables of the lines below them, as in HAProxy), and the
 * `.if/.elif/.else/.endif` blocks HAProxy 2.4+ evaluates while reading.
 */
import { SwitchyardError } from '../../errors.ts';
import { endsWithContinuation, tokenizeLine } from './tokenize-line.ts';

export type SectionKind = 'global' | 'defaults' | 'frontend' | 'backend' | 'listen' | 'userlist' | 'other';

export interface Directive {
  /** 1-based line of the directive's first physical line. */
  readonly line: number;
  readonly words: readonly string[];
}

export interface Section {
  readonly kind: SectionKind;
  /** The header keyword as written (`frontend`, `resolvers`, …). */
  readonly keyword: string;
  /** Empty for `global` and unnamed `defaults`. */
  readonly name: string;
  readonly line: number;
  /** The defaults section this proxy (or named defaults) inherits from. */
  readonly defaults: Section | undefined;
  readonly directives: Directive[];
}

export interface ParseNotice {
  readonly line: number;
  readonly message: string;
}

export interface HaproxyConfig {
  /** The file name used in messages (`haproxy.cfg:12`). */
  readonly file: string;
  readonly sections: readonly Section[];
  /** Things about the file itself worth telling the operator (line continuations, `.notice`). */
  readonly notices: readonly ParseNotice[];
}

export interface ParseOptions {
  /** Name used in messages and for `.FILE`. */
  readonly file: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const SECTION_KINDS: ReadonlyMap<string, SectionKind> = new Map([
  ['global', 'global'],
  ['defaults', 'defaults'],
  ['frontend', 'frontend'],
  ['backend', 'backend'],
  ['listen', 'listen'],
  ['userlist', 'userlist'],
  ...['peers', 'resolvers', 'mailers', 'program', 'cache', 'http-errors', 'ring', 'log-forward', 'crt-store', 'traces', 'acme'].map((k) => [k, 'other'] as const),
]);

/** Proxy sections whose header takes `<name> [from <defaults>]`. */
const PROXY_KINDS: ReadonlySet<SectionKind> = new Set(['frontend', 'backend', 'listen']);

export function parseHaproxyConfig(text: string, options: ParseOptions): HaproxyConfig {
  const env: Record<string, string | undefined> = { ...options.env };
  const sections: Section[] = [];
  const notices: ParseNotice[] = [];
  const namedDefaults = new Map<string, Section>();
  let lastDefaults: Section | undefined;
  let current: Section | undefined;
  const blocks: { active: boolean; taken: boolean; parentActive: boolean; line: number }[] = [];
  const physical = text.split('\n');

  for (let index = 0; index < physical.length; index++) {
    const line = index + 1;
    let logical = stripCr(physical[index]!);
    if (endsWithContinuation(logical)) {
      notices.push({ line, message: 'line continuation: HAProxy has none (it reads the "\\" as a word and the next line as a new directive); the importer joined the lines' });
      while (endsWithContinuation(logical) && index + 1 < physical.length) logical = logical.slice(0, -1) + stripCr(physical[++index]!);
    }
    const where = `${options.file}:${line}`;
    const words = tokenizeLine(logical, { where, env, file: options.file, line, section: current === undefined ? '' : `${current.keyword} ${current.name}`.trim() });
    if (words.length === 0) continue;
    const keyword = words[0]!;

    // Conditional blocks are evaluated before anything else, as HAProxy does while reading.
    if (keyword.startsWith('.')) {
      const active = blocks.every((b) => b.active);
      switch (keyword) {
        case '.if': {
          const value = active && evaluateCondition(words.slice(1), where, env);
          blocks.push({ active: value, taken: value, parentActive: active, line });
          continue;
        }
        case '.elif': {
          const block = blocks.at(-1);
          if (block === undefined) throw parseError(where, '.elif without .if');
          const value = block.parentActive && !block.taken && evaluateCondition(words.slice(1), where, env);
          block.active = value;
          block.taken ||= value;
          continue;
        }
        case '.else': {
          const block = blocks.at(-1);
          if (block === undefined) throw parseError(where, '.else without .if');
          block.active = block.parentActive && !block.taken;
          block.taken = true;
          continue;
        }
        case '.endif':
          if (blocks.pop() === undefined) throw parseError(where, '.endif without .if');
          continue;
        case '.notice':
        case '.warning':
        case '.diag':
          if (active) notices.push({ line, message: `${keyword}: ${words.slice(1).join(' ')}` });
          continue;
        case '.alert':
          if (active) throw parseError(where, `.alert: ${words.slice(1).join(' ')} (HAProxy stops here too)`);
          continue;
        default:
          throw parseError(where, `unknown directive ${keyword}`);
      }
    }
    if (!blocks.every((b) => b.active)) continue;

    const kind = SECTION_KINDS.get(keyword);
    if (kind !== undefined) {
      current = openSection(kind, keyword, words, line, where, namedDefaults, lastDefaults);
      sections.push(current);
      if (kind === 'defaults') {
        lastDefaults = current;
        if (current.name !== '') namedDefaults.set(current.name, current);
      }
      continue;
    }
    if (current === undefined) throw parseError(where, `"${keyword}" outside of any section (expected global, defaults, frontend, backend, listen or userlist first)`);
    if (current.kind === 'global' && (keyword === 'setenv' || keyword === 'presetenv') && words.length >= 3) {
      if (keyword === 'setenv' || env[words[1]!] === undefined) env[words[1]!] = words.slice(2).join(' ');
    } else if (current.kind === 'global' && keyword === 'unsetenv') {
      for (const name of words.slice(1)) env[name] = undefined;
    }
    current.directives.push({ line, words });
  }
  if (blocks.length > 0) throw parseError(`${options.file}:${blocks.at(-1)!.line}`, '.if without .endif');
  return { file: options.file, sections, notices };
}

function openSection(
  kind: SectionKind,
  keyword: string,
  words: readonly string[],
  line: number,
  where: string,
  namedDefaults: ReadonlyMap<string, Section>,
  lastDefaults: Section | undefined,
): Section {
  let name = words[1] ?? '';
  let rest = words.slice(2);
  if (kind === 'defaults' && name === 'from') {
    name = '';
    rest = words.slice(1);
  }
  if (PROXY_KINDS.has(kind) && name === '') throw parseError(where, `${keyword} needs a name`);
  if (name !== '' && !/^[A-Za-z0-9_.:-]+$/.test(name)) throw parseError(where, `${keyword} name "${name}" has characters HAProxy does not allow (letters, digits, "-", "_", ".", ":")`);
  let defaults = kind === 'frontend' || kind === 'backend' || kind === 'listen' ? lastDefaults : undefined;
  if (rest[0] === 'from') {
    const parent = namedDefaults.get(rest[1] ?? '');
    if (parent === undefined) throw parseError(where, `${keyword} ${name}: "from ${rest[1] ?? ''}" names no defaults section defined above`);
    defaults = parent;
    rest = rest.slice(2);
  }
  if (rest.length > 0 && (PROXY_KINDS.has(kind) || kind === 'defaults')) throw parseError(where, `unexpected "${rest.join(' ')}" after the ${keyword} name`);
  return { kind, keyword, name, line, defaults, directives: [] };
}

/**
 * The subset of HAProxy's `.if` conditions that does not depend on the HAProxy build:
 * `defined(NAME)`, `streq(a,b)`, `strneq(a,b)`, integers, and `!` in front of any of them.
 * `feature()` and `version_*()` would need the target HAProxy, so they are refused.
 */
function evaluateCondition(words: readonly string[], where: string, env: Readonly<Record<string, string | undefined>>): boolean {
  const text = words.join(' ').trim();
  if (text.includes('&&') || text.includes('||')) {
    const ors = text.split('||');
    return ors.some((or) => or.split('&&').every((term) => evaluateTerm(term.trim(), where, env)));
  }
  return evaluateTerm(text, where, env);
}

function evaluateTerm(term: string, where: string, env: Readonly<Record<string, string | undefined>>): boolean {
  if (term.startsWith('!')) return !evaluateTerm(term.slice(1).trim(), where, env);
  if (/^-?\d+$/.test(term)) return Number(term) !== 0;
  if (term === '') return false;
  const call = /^([a-z_]+)\((.*)\)$/.exec(term);
  const args = call?.[2]?.split(',').map((a) => a.trim()) ?? [];
  switch (call?.[1]) {
    case 'defined':
      return env[args[0] ?? ''] !== undefined;
    case 'streq':
      return args[0] === args[1];
    case 'strneq':
      return args[0] !== args[1];
    default:
      throw parseError(where, `unsupported .if condition "${term}" (the importer evaluates defined(), streq(), strneq(), integers, !, && and ||)`);
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function parseError(where: string, message: string): SwitchyardError {
  return new SwitchyardError('SY_HAPROXY_PARSE', message, where);
}
