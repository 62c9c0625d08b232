/**
 * @module `if|unless <condition>` → a rule expression. HAProxy conditions have no parentheses:
 * terms side by side are ANDed, `or`/`||` separate the AND groups, `!` negates one term (also glued
 * to it, `!acl`), and `{ … }` is an anonymous ACL, not a group (configuration.txt §7.2). A named
 * ACL is the OR of every `acl` line with that name in the section, wherever they are, since HAProxy
 * keeps a pointer to the ACL and later lines extend it (haproxy-migration.md §3.3).
 */
import { criterionExpr, httpAuthUserlist, Untranslatable, type AclDefinition, type CriterionContext } from './acl-criteria.ts';
import type { FindingSource } from './findings.ts';
import { FALSE, TRUE, and, matcher, not, or, type Expr } from './rule-expr.ts';

export interface Term {
  readonly negated: boolean;
  readonly acl: { readonly kind: 'named'; readonly name: string } | { readonly kind: 'anonymous'; readonly definition: AclDefinition };
}

export interface Condition {
  readonly polarity: 'if' | 'unless';
  /** OR of AND groups. */
  readonly groups: readonly (readonly Term[])[];
  readonly source: FindingSource;
}

export interface ConditionScope extends CriterionContext {
  /** The section's named ACLs, every definition of a name in file order. */
  readonly acls: ReadonlyMap<string, readonly AclDefinition[]>;
}

/** The words of a directive before `if`/`unless`, and its condition. */
export function splitCondition(source: FindingSource, from: number): { args: readonly string[]; condition: Condition | undefined } {
  const words = source.words;
  const at = words.findIndex((w, i) => i >= from && (w === 'if' || w === 'unless'));
  if (at === -1) return { args: words.slice(from), condition: undefined };
  return { args: words.slice(from, at), condition: parseCondition(words[at] as 'if' | 'unless', words.slice(at + 1), source) };
}

export function parseCondition(polarity: 'if' | 'unless', words: readonly string[], source: FindingSource): Condition {
  const groups: Term[][] = [[]];
  let negated = false;
  for (let i = 0; i < words.length; i++) {
    let word = words[i]!;
    if (word === 'or' || word === '||') {
      groups.push([]);
      continue;
    }
    while (word.startsWith('!')) {
      negated = !negated;
      word = word.slice(1);
    }
    if (word === '') continue;
    if (word === '{') {
      const close = words.indexOf('}', i + 1);
      if (close === -1) throw new Untranslatable(source, 'anonymous ACL "{" without "}"');
      const criterion = words.slice(i + 1, close);
      groups.at(-1)!.push({ negated, acl: { kind: 'anonymous', definition: { line: source.line, words: source.words, criterion } } });
      i = close;
    } else groups.at(-1)!.push({ negated, acl: { kind: 'named', name: word } });
    negated = false;
  }
  if (groups.some((g) => g.length === 0)) throw new Untranslatable(source, 'empty condition (or an "or" with nothing on one side)');
  return { polarity, groups, source };
}

/** The condition as an expression; throws Untranslatable naming the ACL line at fault. */
export function conditionExpr(condition: Condition | undefined, scope: ConditionScope): Expr {
  if (condition === undefined) return TRUE;
  const e = or(...condition.groups.map((group) => and(...group.map((term) => termExpr(term, scope, condition.source)))));
  return condition.polarity === 'unless' ? not(e) : e;
}

function termExpr(term: Term, scope: ConditionScope, source: FindingSource): Expr {
  const e = term.acl.kind === 'anonymous' ? criterionExpr(term.acl.definition, scope) : namedExpr(term.acl.name, scope, source);
  return term.negated ? not(e) : e;
}

function namedExpr(name: string, scope: ConditionScope, source: FindingSource): Expr {
  const definitions = scope.acls.get(name);
  if (definitions !== undefined) return or(...definitions.map((d) => criterionExpr(d, scope)));
  const predefined = PREDEFINED.get(name);
  if (predefined === undefined) throw new Untranslatable(source, `no ACL named "${name}" in this section (HAProxy would refuse the file)`);
  if (predefined === 'unsupported') throw new Untranslatable(source, `predefined ACL ${name} has no equivalent in Traefik rules`);
  return predefined;
}

const methods = (...names: string[]): Expr => or(...names.map((m) => matcher('Method', m)));

/** HAProxy's predefined ACLs (configuration.txt §7.4). METH_GET includes HEAD. */
const PREDEFINED: ReadonlyMap<string, Expr | 'unsupported'> = new Map<string, Expr | 'unsupported'>([
  ['TRUE', TRUE],
  ['FALSE', FALSE],
  ['HTTP', TRUE],
  ['LOCALHOST', or(matcher('ClientIP', '127.0.0.1/8'), matcher('ClientIP', '::1'))],
  ['METH_CONNECT', methods('CONNECT')],
  ['METH_DELETE', methods('DELETE')],
  ['METH_GET', methods('GET', 'HEAD')],
  ['METH_HEAD', methods('HEAD')],
  ['METH_OPTIONS', methods('OPTIONS')],
  ['METH_POST', methods('POST')],
  ['METH_PUT', methods('PUT')],
  ['METH_TRACE', methods('TRACE')],
  ...['HTTP_1.0', 'HTTP_1.1', 'HTTP_2.0', 'HTTP_3.0', 'HTTP_CONTENT', 'HTTP_URL_ABS', 'HTTP_URL_SLASH', 'HTTP_URL_STAR', 'RDP_COOKIE', 'REQ_CONTENT', 'WAIT_END'].map((n) => [n, 'unsupported'] as const),
]);

/**
 * `http-request auth … if !{ http_auth(L) } [other terms]` (or `unless { http_auth(L) }`, or via a
 * named ACL holding only `http_auth(L)`): the userlist, and the condition left once the credential
 * test is taken out (it becomes the basicAuth middleware). Undefined for any other shape.
 */
export function extractHttpAuth(condition: Condition | undefined, scope: ConditionScope): { userlist: string; rest: Condition | undefined } | undefined {
  if (condition === undefined || condition.groups.length !== 1) return undefined;
  const group = condition.groups[0]!;
  const wanted = condition.polarity === 'if';
  const index = group.findIndex((term) => term.negated === wanted && userlistOf(term, scope) !== undefined);
  if (index === -1) return undefined;
  const userlist = userlistOf(group[index]!, scope)!;
  const others = group.filter((_, i) => i !== index);
  if (condition.polarity === 'unless') return others.length === 0 ? { userlist, rest: undefined } : undefined;
  return { userlist, rest: others.length === 0 ? undefined : { polarity: 'if', groups: [others], source: condition.source } };
}

function userlistOf(term: Term, scope: ConditionScope): string | undefined {
  if (term.acl.kind === 'anonymous') return httpAuthUserlist(term.acl.definition);
  const definitions = scope.acls.get(term.acl.name);
  return definitions?.length === 1 ? httpAuthUserlist(definitions[0]!) : undefined;
}
