/**
 * @module Pre-2.1 request rules still found in cron-era generators (HAProxy 2.1+ refuses them):
 * `reqadd` (a header), `reqdel ^Name:` (a header removal), and the `reqrep` prefix-strip idiom
 * (stripPrefix). Any other regex rewrite of the request line or headers has no equivalent.
 */
import { Untranslatable } from './acl-criteria.ts';
import { conditionExpr } from './conditions.ts';
import type { Directive } from './parse-config.ts';
import { delHeader, setHeader, type ActionHandler, type RuleInput, type Step } from './request-actions.ts';
import { middlewareSpec } from './translation-context.ts';

/** `reqadd Name:\ value` → the header line's name and value. */
export function legacyHeader(d: Directive, line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new Untranslatable(d, `"${line}" is not a "Name: value" header line`);
  return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
}

/**
 * The prefix-strip idiom marathon-lb and API gateways generate:
 * `reqrep ^([^\ :]*)\ /svc/?(.*) \1\ /\2` — the request line's path loses `/svc` (and one `/`),
 * which is what stripPrefix does. The words arrive unescaped (`\ ` is a space by then). With a
 * mandatory slash (`/svc/(.*)`) the stripped prefix is `/svc/`.
 */
function prefixStripIdiom(regex: string, replacement: string): string | undefined {
  const m = /^\^\(\[\^ :?\]\*\) (\/(?:[A-Za-z0-9_~%/-]|\\.)*?)(\/\?|\[\/\]\?|\/)\(\.\*\)$/.exec(regex);
  if (m === null || replacement !== '\\1 /\\2') return undefined;
  const prefix = m[1]!.replace(/\\(.)/g, '$1');
  return m[2] === '/' ? `${prefix}/` : prefix;
}

function legacyDel(input: RuleInput): Step | undefined {
  const m = /^\^([A-Za-z0-9-]+):(?:\.\*)?$/.exec(input.args[0] ?? '');
  if (m === null) throw new Untranslatable(input.d, 'only "reqdel ^Header-Name:" translates (to a header removal)');
  return delHeader({ ...input, args: [m[1]!] });
}

export const LEGACY_REQUEST_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  reqadd: (input) => {
    const [name, value] = legacyHeader(input.d, input.args[0] ?? '');
    // reqadd takes the value literally; escape `%` for the log-format reading of setHeader.
    return setHeader({ ...input, args: [name, value.replace(/%/g, '%%')] }, true);
  },
  reqdel: legacyDel,
  reqidel: legacyDel,
  reqrep: (input) => {
    const { proxy, d, args } = input;
    const prefix = prefixStripIdiom(args[0] ?? '', args[1] ?? '');
    if (prefix === undefined) throw new Untranslatable(d, 'legacy request-line rewrite that is not the prefix-strip idiom ("^([^\\ :]*)\\ /svc/?(.*)" → "\\1\\ /\\2")');
    const cond = conditionExpr(input.condition, input.scope);
    return { kind: 'middleware', cond, label: 'rewrite', source: d, middleware: middlewareSpec(proxy, 'strip-prefix', 'stripPrefix', { prefixes: [prefix] }) };
  },
};
