/**
 * @module A backend (or the backend half of a listen section) → a Traefik service: servers with
 * their weights, one health check (`option httpchk` + `check`/`inter`), sticky cookies (`cookie …
 * insert`), the upstream timeouts it needs (node-wide flags, see upstream-transport.ts), and `backup` servers as a failover service
 * whose fallback takes over when every checked primary is down (haproxy-migration.md §2.4, §3.12).
 * Server options come from `default-server` lines (defaults chain, then the section), then the
 * server line itself; later ones win.
 */
import { readHealthCheck } from './health-check.ts';
import { sanitizeName, type ObjectValue } from './key-builder.ts';
import { goDuration, haproxyDurationMs, type ProxyView } from './proxy-view.ts';
import { readServer, type ParamContext, type ServerSpec } from './server-line.ts';
import type { TranslationContext } from './translation-context.ts';
import type { TransportFlag } from './upstream-transport.ts';

/** Translates `proxy`'s backend part; returns the service name, or undefined (reported) when none. */
export function translateBackend(proxy: ProxyView, tx: TranslationContext): string | undefined {
  const mode = proxy.mode;
  if (mode !== 'http') {
    tx.report('unsupported', proxy, { line: proxy.section.line, words: [proxy.section.keyword, proxy.name] }, `mode ${mode}${proxy.setting('mode') === undefined ? ' (no "mode" in the section or its defaults: HAProxy\'s default)' : ''}: TCP proxying is not translated; requests routed here get 503`);
    proxy.consumeAll();
    return undefined;
  }
  const name = sanitizeName(proxy.name);
  const ctx: ParamContext = { proxy, tx };
  const defaults = proxy.inheritedList('default-server');
  const servers: ServerSpec[] = [];
  for (const d of proxy.own('server')) {
    const server = readServer(d, defaults, ctx);
    if (server === undefined) continue;
    if (server.disabled) {
      tx.report('notice', proxy, d, 'disabled server: left out, as HAProxy sends it no traffic');
      continue;
    }
    servers.push(server);
  }
  for (const d of proxy.own('server-template')) tx.report('unsupported', proxy, d, 'server-template (servers from DNS) has no equivalent; list the servers, or let the generator write them');

  readBalance(proxy, tx);
  const sticky = readCookie(proxy, servers, tx);
  readTransport(proxy, servers, tx);
  const lb = (members: readonly ServerSpec[], withSticky: boolean) => {
    // Checked per load balancer: backup servers without "check" stay unchecked, as in HAProxy.
    const healthCheck = readHealthCheck(proxy, members, tx);
    return {
      loadBalancer: {
        servers: Object.fromEntries(members.map((s) => [sanitizeName(s.name), { url: s.url, ...(s.weight === undefined || s.weight === 1 ? {} : { weight: s.weight }) }])),
        // A service needs one key to exist; an empty one answers 503, as an HAProxy backend without servers.
        ...(members.length === 0 ? { passHostHeader: true } : {}),
        ...(healthCheck === undefined ? {} : { healthCheck }),
        ...(withSticky && sticky !== undefined ? { sticky } : {}),
      },
    };
  };

  const primaries = servers.filter((s) => !s.backup);
  const backups = servers.filter((s) => s.backup);
  if (backups.length === 0 || primaries.length === 0) {
    defineService(tx, proxy, name, lb(servers, true));
    return name;
  }
  // HAProxy uses the first backup only, unless `option allbackups`.
  const allBackups = proxy.setting('option', 'allbackups') !== undefined;
  const fallback = allBackups ? backups : backups.slice(0, 1);
  if (!allBackups && backups.length > 1) tx.report('notice', proxy, backups[1]!.directive, 'only the first backup server is used (no "option allbackups"), as in HAProxy; this one is left out');
  defineService(tx, proxy, `${name}-main`, lb(primaries, true));
  defineService(tx, proxy, `${name}-backup`, lb(fallback, false));
  defineService(tx, proxy, name, { failover: { service: `${name}-main`, fallback: `${name}-backup` } });
  return name;
}

function defineService(tx: TranslationContext, proxy: ProxyView, name: string, value: ObjectValue): void {
  if (!tx.keys.object('services', name, value)) {
    tx.report('unsupported', proxy, { line: proxy.section.line, words: [proxy.section.keyword, proxy.name] }, `the service name "${name}" is already used by another section (names are compared after replacing characters a key cannot hold); rename one of them`);
  }
}

function readBalance(proxy: ProxyView, tx: TranslationContext): void {
  const balance = proxy.setting('balance');
  const algorithm = balance?.words[1] ?? 'roundrobin';
  if (balance === undefined || algorithm === 'roundrobin' || algorithm === 'static-rr') return;
  tx.report('unsupported', proxy, balance, `balance ${algorithm} has no faithful equivalent; the service uses weighted round robin`);
}

const COOKIE_UNSUPPORTED: ReadonlySet<string> = new Set(['preserve', 'postonly', 'maxidle', 'maxlife', 'dynamic', 'attr', 'rewrite', 'prefix']);

function readCookie(proxy: ProxyView, servers: readonly ServerSpec[], tx: TranslationContext): Record<string, unknown> | undefined {
  const cookie = proxy.setting('cookie');
  if (cookie === undefined) return undefined;
  const [, name = '', ...options] = cookie.words;
  if (!options.includes('insert')) {
    tx.report('unsupported', proxy, cookie, 'only "cookie <name> insert" (the proxy sets the cookie) has an equivalent, Traefik\'s sticky cookie');
    return undefined;
  }
  const out: Record<string, unknown> = { name };
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!;
    if (option === 'httponly') out.httpOnly = true;
    else if (option === 'secure') out.secure = true;
    else if (option === 'domain') {
      const domain = options[++i];
      if (out.domain === undefined) out.domain = domain;
      else tx.report('deviation', proxy, cookie, 'several cookie domains: only the first is set');
    } else if (option === 'indirect') tx.report('deviation', proxy, cookie, 'indirect: HAProxy removes its cookie before the request reaches the server; with Traefik the server sees it');
    else if (option === 'nocache') tx.report('deviation', proxy, cookie, 'nocache: HAProxy marks responses that set the cookie "Cache-Control: private"; Traefik does not');
    else if (COOKIE_UNSUPPORTED.has(option)) {
      if (option === 'maxidle' || option === 'maxlife' || option === 'attr') i++;
      tx.report('unsupported', proxy, cookie, `cookie option "${option}" has no equivalent`);
    } else if (option !== 'insert') tx.report('unsupported', proxy, cookie, `cookie option "${option}" is not translated`);
  }
  if (servers.some((s) => s.cookie !== undefined)) {
    tx.report('deviation', proxy, cookie, 'Traefik\'s cookie value is a hash of the server, not the server\'s "cookie" value: every sticky client is re-balanced once at cutover');
  }
  return { cookie: out };
}

/**
 * Upstream timeouts and verification become node-wide static flags (see upstream-transport.ts):
 * what this backend needs is recorded, and the import decides once every backend is read.
 */
function readTransport(proxy: ProxyView, servers: readonly ServerSpec[], tx: TranslationContext): void {
  const header = { line: proxy.section.line, words: [proxy.section.keyword, proxy.name] };
  const timeout = (flag: TransportFlag, name: string, legacy: string) => {
    const d = proxy.setting('timeout', name) ?? proxy.setting(legacy);
    const ms = d === undefined ? undefined : haproxyDurationMs(d.words[0] === 'timeout' ? (d.words[2] ?? '') : (d.words[1] ?? ''));
    tx.upstreamTransport.want(flag, { proxy, source: d ?? header, value: ms === undefined ? undefined : goDuration(ms), ...(d === undefined ? { absent: `no timeout ${name}` } : {}) });
    return { d, ms };
  };
  timeout('serversTransport.forwardingTimeouts.dialTimeout', 'connect', 'contimeout');
  const server = timeout('serversTransport.forwardingTimeouts.responseHeaderTimeout', 'server', 'srvtimeout');
  if (server.d !== undefined && server.ms !== undefined) tx.report('deviation', proxy, server.d, 'timeout server is an inactivity timeout in HAProxy; it becomes responseHeaderTimeout (time until the response headers), so slow streaming responses are not cut');

  const tlsServers = servers.filter((s) => s.ssl);
  if (tlsServers.length === 0) return;
  const unverified = tlsServers.find((s) => s.verifyNone);
  if (unverified !== undefined && tlsServers.some((s) => !s.verifyNone)) tx.report('deviation', proxy, unverified.directive, 'some servers skip certificate verification and others not: the transport skips it for all');
  const verified = tlsServers.find((s) => !s.verifyNone);
  tx.upstreamTransport.want('serversTransport.insecureSkipVerify', {
    proxy,
    source: (unverified ?? verified)!.directive,
    value: unverified === undefined ? undefined : 'true',
  });
  const withCa = tlsServers.find((s) => !s.verifyNone && s.caFile !== undefined);
  if (withCa !== undefined) tx.report('unsupported', proxy, withCa.directive, 'ca-file has no equivalent yet (the static serversTransport has no rootCAs and per-service serversTransports are not supported): servers are verified against the system CAs');
}
