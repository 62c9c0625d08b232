/**
 * @module The health check of a load balancer: `option httpchk` (OPTIONS / by default, as in
 * HAProxy; old configs hide headers in its version word), `http-check send` and `expect status`,
 * and the servers' `check`, `inter` (always written: HAProxy checks every 2 s, Traefik every 30 s),
 * `downinter`, `port`, `check-ssl`. A TCP connect check has no HTTP equivalent and is reported;
 * rise/fall thresholds and per-server differences are reported as deviations.
 */
import type { Directive } from './parse-config.ts';
import { goDuration, haproxyDurationMs, type ProxyView } from './proxy-view.ts';
import type { ServerSpec } from './server-line.ts';
import type { TranslationContext } from './translation-context.ts';

/** The `healthCheck` keys for `servers` (undefined when none of them is checked). */
export function readHealthCheck(proxy: ProxyView, servers: readonly ServerSpec[], tx: TranslationContext): Record<string, unknown> | undefined {
  const checked = servers.filter((s) => s.check);
  if (checked.length === 0) return undefined;
  const first = checked[0]!;
  const httpchk = proxy.setting('option', 'httpchk');
  const rules = ownOrInherited(proxy, 'http-check');
  if (httpchk === undefined && !rules.some((r) => r.words[1] === 'send')) {
    tx.report('unsupported', proxy, first.directive, 'TCP connect health check (no "option httpchk"): Traefik health checks are HTTP requests; none is written, so a dead server keeps its share of requests until "option httpchk <path>" is added');
    return undefined;
  }
  // `option httpchk` alone sends OPTIONS / (configuration.txt, option httpchk).
  let method = 'OPTIONS';
  let path = '/';
  const headers: Record<string, string> = {};
  const args = httpchk?.words.slice(2) ?? [];
  if (args.length === 1) path = args[0]!;
  else if (args.length >= 2) {
    method = args[0]!;
    path = args[1]!;
    // Old configs smuggle headers into the version: "HTTP/1.1\r\nHost:\ www".
    for (const line of (args[2] ?? '').split(/\r?\n/).slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
  }
  let status: number | undefined;
  for (const rule of rules) {
    const [, verb, ...rest] = rule.words;
    if (verb === 'send') {
      for (let i = 0; i < rest.length; i++) {
        const word = rest[i]!;
        if (word === 'meth') method = rest[++i] ?? method;
        else if (word === 'uri') path = rest[++i] ?? path;
        else if (word === 'ver') i++;
        else if (word === 'hdr') {
          headers[rest[i + 1] ?? ''] = rest[i + 2] ?? '';
          i += 2;
        } else tx.report('unsupported', proxy, rule, `http-check send ${word} is not translated`);
      }
    } else if (verb === 'expect' && rest[0] === 'status' && /^\d{3}$/.test(rest[1] ?? '') && rest.length === 2) {
      status = Number(rest[1]);
    } else tx.report('unsupported', proxy, rule, 'this http-check form has no equivalent (Traefik checks one status, or 2xx/3xx by default)');
  }
  const hostHeader = Object.keys(headers).find((h) => h.toLowerCase() === 'host');
  const hostname = hostHeader === undefined ? undefined : headers[hostHeader];
  if (hostHeader !== undefined) delete headers[hostHeader];

  if (checked.some((s) => s.inter !== first.inter)) tx.report('deviation', proxy, first.directive, `servers check at different intervals; the service checks every server every ${goDuration(first.inter)}`);
  if (checked.some((s) => s.checkPort !== first.checkPort)) tx.report('deviation', proxy, first.directive, 'servers are checked on different ports; the service uses the first one\'s');
  if (checked.length < servers.length) tx.report('deviation', proxy, servers.find((s) => !s.check)!.directive, 'this server has no "check" but others do: Traefik checks every server of a service, this one included');
  if (checked.some((s) => s.rise !== 1 || s.fall !== 1)) {
    tx.report('deviation', proxy, first.interSource ?? first.directive, `rise ${first.rise} / fall ${first.fall}: Traefik has no thresholds; a server is marked down after one failed check and up after one success`);
  }
  const timeoutCheck = proxy.setting('timeout', 'check');
  const timeout = timeoutCheck === undefined ? first.inter : haproxyDurationMs(timeoutCheck.words[2] ?? '') ?? first.inter;
  return {
    path,
    method,
    // Always written: HAProxy checks every 2 s by default, Traefik every 30 s.
    interval: goDuration(first.inter),
    timeout: goDuration(timeout),
    ...(first.downinter === undefined ? {} : { unhealthyInterval: goDuration(first.downinter) }),
    ...(first.checkPort === undefined ? {} : { port: first.checkPort }),
    ...(first.checkSsl && !first.ssl ? { scheme: 'https' } : {}),
    ...(hostname === undefined ? {} : { hostname }),
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
    ...(status === undefined ? {} : { status }),
  };
}

/** A section's own list directives, or, when it has none, those of the nearest defaults having some. */
function ownOrInherited(proxy: ProxyView, keyword: string): Directive[] {
  const own = proxy.own(keyword);
  if (own.length > 0) return own;
  const all = proxy.inheritedList(keyword);
  const last = all.at(-1);
  return last === undefined ? [] : all.filter((d) => sameSectionAs(d, last, proxy));
}

function sameSectionAs(d: Directive, other: Directive, proxy: ProxyView): boolean {
  for (let s = proxy.section.defaults; s !== undefined; s = s.defaults) {
    if (s.directives.includes(other)) return s.directives.includes(d);
  }
  return false;
}
