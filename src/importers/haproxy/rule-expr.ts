/**
 * @module Boolean rule expressions, built from HAProxy conditions and rendered in Traefik's v3 rule
 * language. Constructors simplify as they go (constants fold, nesting flattens, duplicates go), so
 * `ssl_fc` folded to true/false per router copy leaves no trace in the rule.
 */

export type Expr =
  | { readonly k: 'const'; readonly value: boolean }
  /**
   * One matcher call: its name, arguments, and rendering (``Host(`a.example`)``). `port`: the
   * port an HAProxy host pattern carried (`a.example:8443`), which Host() cannot test.
   */
  | { readonly k: 'matcher'; readonly text: string; readonly name: string; readonly args: readonly string[]; readonly port?: number }
  | { readonly k: 'not'; readonly e: Expr }
  | { readonly k: 'and' | 'or'; readonly es: readonly Expr[] };

export const TRUE: Expr = { k: 'const', value: true };
export const FALSE: Expr = { k: 'const', value: false };

/** A matcher call with Go string arguments: `matcher('Header', 'X-A', 'v')`. */
export function matcher(name: string, ...args: readonly string[]): Expr {
  return { k: 'matcher', text: `${name}(${args.map(goString).join(', ')})`, name, args };
}

/** ``Host(`h`)`` for an HAProxy pattern `h:port`. */
export function hostWithPort(host: string, port: number): Expr {
  return { ...(matcher('Host', host) as Extract<Expr, { k: 'matcher' }>), port };
}

export function not(e: Expr): Expr {
  if (e.k === 'const') return e.value ? FALSE : TRUE;
  if (e.k === 'not') return e.e;
  return { k: 'not', e };
}

export function and(...es: readonly Expr[]): Expr {
  return combine('and', es);
}

export function or(...es: readonly Expr[]): Expr {
  return combine('or', es);
}

function combine(k: 'and' | 'or', es: readonly Expr[]): Expr {
  // For `and`, true is the neutral element and false absorbs; for `or`, the reverse.
  const neutral = k === 'and';
  const flat: Expr[] = [];
  const seen = new Map<string, number>();
  for (const e of es) {
    const parts = e.k === k ? e.es : [e];
    for (const part of parts) {
      if (part.k === 'const') {
        if (part.value === neutral) continue;
        return part;
      }
      const text = render(part);
      const at = seen.get(text);
      if (at !== undefined) {
        // `h` and `h:80` under one ACL: the portless one matches on every port, keep it.
        if (part.k === 'matcher' && part.port === undefined) flat[at] = part;
        continue;
      }
      // `x && !x` is false, `x || !x` is true.
      if (seen.has(render(not(part)))) return neutral ? FALSE : TRUE;
      seen.set(text, flat.length);
      flat.push(part);
    }
  }
  if (flat.length === 0) return neutral ? TRUE : FALSE;
  if (flat.length === 1) return flat[0]!;
  if (k === 'and' && contradicts(flat)) return FALSE;
  return { k, es: flat };
}

/**
 * True when no request can satisfy every positive Host/Path/PathPrefix test of a conjunction:
 * two different hosts, two different paths, or two prefixes neither of which extends the other.
 * Conditional header and auth rules multiply routers (one per combination); this drops the
 * combinations that could never match, such as `/admin` with `/internal`.
 */
function contradicts(es: readonly Expr[]): boolean {
  const hosts = new Set<string>();
  const paths = new Set<string>();
  const prefixes: string[] = [];
  for (const e of es) {
    if (e.k !== 'matcher') continue;
    const arg = e.args[0] ?? '';
    if (e.name === 'Host') hosts.add(arg.toLowerCase());
    else if (e.name === 'Path') paths.add(arg);
    else if (e.name === 'PathPrefix') prefixes.push(arg);
  }
  if (hosts.size > 1 || paths.size > 1) return true;
  const [path] = paths;
  if (path !== undefined && prefixes.some((p) => !path.startsWith(p))) return true;
  return prefixes.some((a) => prefixes.some((b) => !a.startsWith(b) && !b.startsWith(a)));
}

/** Traefik v3 rule text. `true` renders as ``PathPrefix(`/`)`` (every request); callers drop `false` rules. */
export function render(e: Expr): string {
  switch (e.k) {
    case 'const':
      return e.value ? 'PathPrefix(`/`)' : '!PathPrefix(`/`)';
    case 'matcher':
      return e.text;
    case 'not':
      return e.e.k === 'matcher' ? `!${e.e.text}` : `!(${render(e.e)})`;
    case 'and':
      return e.es.map((c) => (c.k === 'or' ? `(${render(c)})` : render(c))).join(' && ');
    case 'or':
      return e.es.map(render).join(' || ');
  }
}

/** A Go string literal for a rule argument: backticks unless the text holds one. */
export function goString(text: string): string {
  if (!text.includes('`')) return `\`${text}\``;
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/**
 * True when every request `a` matches, `b` matches too, as far as can be told from the rules'
 * shape (equal parts, path prefixes extending each other). False means "not shown", not "no".
 */
export function implies(a: Expr, b: Expr): boolean {
  if (b.k === 'const') return b.value || (a.k === 'const' && !a.value);
  if (a.k === 'const') return !a.value;
  if (render(a) === render(b)) return true;
  if (b.k === 'and') return b.es.every((x) => implies(a, x));
  if (a.k === 'or') return a.es.every((x) => implies(x, b));
  if (b.k === 'or') return b.es.some((x) => implies(a, x));
  if (a.k === 'and') return a.es.some((x) => implies(x, b));
  if (a.k === 'matcher' && b.k === 'matcher' && b.name === 'PathPrefix' && (a.name === 'Path' || a.name === 'PathPrefix')) {
    return (a.args[0] ?? '').startsWith(b.args[0] ?? '');
  }
  return false;
}

/**
 * The ports a rule's host patterns require: HAProxy compared `host:port` with the Host header,
 * which Traefik's Host() cannot, so a router whose every way of matching needs a port is kept to
 * the entry points on that port (haproxy-migration.md §3.1). Undefined: no port required.
 */
export function requiredPorts(e: Expr): ReadonlySet<number> | undefined {
  switch (e.k) {
    case 'matcher':
      return e.port === undefined ? undefined : new Set([e.port]);
    case 'and': {
      const sets = e.es.map(requiredPorts).filter((p) => p !== undefined);
      if (sets.length === 0) return undefined;
      return new Set([...sets[0]!].filter((port) => sets.every((set) => set.has(port))));
    }
    case 'or': {
      const sets = e.es.map(requiredPorts);
      return sets.every((p) => p !== undefined) ? new Set(sets.flatMap((set) => [...set!])) : undefined;
    }
    default:
      return undefined;
  }
}

/** Go's `regexp.QuoteMeta`. */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`);
}
