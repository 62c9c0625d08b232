/**
 * @module What becomes of the directives the translator did not read: one table, by keyword (or
 * keyword + first argument), saying whether a directive is harmless to leave out (process tuning,
 * logging, connection handling the node does its own way) or has no faithful translation. A
 * directive in neither list is reported as unsupported: nothing in the file is dropped unmentioned.
 */
import type { Findings, Severity } from './findings.ts';
import type { Directive, Section } from './parse-config.ts';

interface Disposition {
  readonly severity: Severity;
  readonly message: string;
}

const ignored = (message: string): Disposition => ({ severity: 'ignored', message });
const unsupported = (message: string): Disposition => ({ severity: 'unsupported', message });

const PROCESS = ignored('process tuning; not part of routing');
const LOGGING = ignored('logging; the node has its own access log (--accessLog)');
const CONNECTIONS = ignored('connection handling; the node keeps client and upstream connections alive on its own');
const CLIENT_TIMEOUT = ignored('client-side timeout: an entry-point setting (--entryPoints.<name>.transport.respondingTimeouts.*), not a key');
const STATS = unsupported('the HAProxy stats page has no equivalent (the node has /api and /metrics on its traefik entry point)');
const ERRORS = unsupported('custom error pages need an errors middleware and a service that serves them; not translated');
const STICK = unsupported('stick tables (and everything that reads or tracks them) have no equivalent');
const QUEUE = unsupported('connection queueing (maxconn/maxqueue/fullconn) has no equivalent; Traefik never queues');

const DISPOSITIONS: ReadonlyMap<string, Disposition> = new Map<string, Disposition>([
  ...['daemon', 'master-worker', 'nbproc', 'nbthread', 'cpu-map', 'pidfile', 'user', 'uid', 'gid', 'chroot', 'ulimit-n', 'maxconn', 'maxconnrate', 'maxsessrate', 'maxsslconn', 'maxsslrate', 'maxpipes', 'spread-checks', 'hard-stop-after', 'grace', 'node', 'description', 'unix-bind', 'localpeer', 'setenv', 'presetenv', 'resetenv', 'unsetenv', 'quiet', 'noepoll', 'nopoll', 'nokqueue', 'nosplice', 'nogetaddrinfo', 'noreuseport', 'stats socket', 'stats timeout', 'stats maxconn', 'stats bind-process', 'server-state-file', 'server-state-base', 'load-server-state-from-file', 'ssl-server-verify', 'ssl-dh-param-file', 'ssl-engine', 'ssl-mode-async', 'ssl-load-extra-files', 'lua-load', 'lua-prepend-path', 'insecure-fork-wanted', 'insecure-setuid-wanted', 'expose-experimental-directives', 'busy-polling', 'set-dumpable', 'strict-limits', 'id', 'bind-process', 'thread-groups', 'numa-cpu-mapping', 'backlog', 'rate-limit', 'ca-base', 'crt-base', 'httpclient.resolvers.disabled', 'fd-hard-limit', 'cluster-secret', 'h1-case-adjust', 'tune', 'enabled'].map((k) => [k, PROCESS] as const),
  ...['log', 'log-format', 'log-format-sd', 'error-log-format', 'log-tag', 'log-send-hostname', 'log-tag', 'capture', 'declare', 'option httplog', 'option tcplog', 'option dontlognull', 'option dontlog-normal', 'option log-separate-errors', 'option logasap', 'option log-health-checks', 'option contstats', 'option socket-stats', 'email-alert', 'option httpslog'].map((k) => [k, LOGGING] as const),
  ...['option http-server-close', 'option httpclose', 'option forceclose', 'option http-keep-alive', 'option http-pretend-keepalive', 'option http-tunnel', 'option abortonclose', 'option splice-auto', 'option splice-request', 'option splice-response', 'option tcp-smart-accept', 'option tcp-smart-connect', 'option clitcpka', 'option srvtcpka', 'option tcpka', 'option http-no-delay', 'option http-use-htx', 'option nolinger', 'option http-buffer-request', 'option http-ignore-probes', 'option prefer-last-server', 'option independent-streams', 'option checkcache', 'option http-restrict-req-hdr-names', 'option h1-case-adjust-bogus-client', 'option h1-case-adjust-bogus-server', 'option idle-close-on-response', 'option disable-h2-upgrade', 'http-reuse', 'clitcpka-cnt', 'clitcpka-idle', 'clitcpka-intvl', 'srvtcpka-cnt', 'srvtcpka-idle', 'srvtcpka-intvl', 'max-keep-alive-queue', 'max-session-srv-conns', 'http-send-name-header'].map((k) => [k, CONNECTIONS] as const),
  ...['timeout client', 'timeout client-fin', 'timeout http-request', 'timeout http-keep-alive', 'timeout tunnel', 'timeout tarpit', 'timeout server-fin', 'timeout queue', 'clitimeout'].map((k) => [k, CLIENT_TIMEOUT] as const),
  ['hash-type', ignored('only matters to the hashing balance algorithms, which are reported themselves')],
  ['option forwardfor', ignored('Traefik sets X-Forwarded-For (and X-Forwarded-Proto/-Host/-Port, X-Real-Ip) itself')],
  ['option redispatch', { severity: 'deviation', message: 'HAProxy retries a failed connection on another server; the node answers 502 for a server that refuses the connection (until a health check takes it out)' }],
  ['retries', { severity: 'deviation', message: 'HAProxy retries failed connections; the node does not retry (a retry middleware would re-send requests, which is not the same)' }],
  ['option accept-invalid-http-request', ignored('the node parses requests with Node.js\'s HTTP parser')],
  ['option accept-invalid-http-response', ignored('the node parses responses with undici')],
  ['option allbackups', ignored('read with the backup servers')],
  ['mode', ignored('read per section')],
  ...['stats'].map((k) => [k, STATS] as const),
  ...['errorfile', 'errorfiles', 'errorloc', 'errorloc302', 'errorloc303', 'http-error'].map((k) => [k, ERRORS] as const),
  ...['stick-table', 'stick', 'stick on', 'stick match', 'stick store-request', 'stick store-response', 'peers'].map((k) => [k, STICK] as const),
  ...['fullconn', 'maxqueue', 'minconn'].map((k) => [k, QUEUE] as const),
  ['monitor-uri', unsupported('monitor-uri answers 200 before any rule; the node has /ping on its traefik entry point (--ping=true) instead')],
  ['monitor', unsupported('"monitor fail" has no equivalent')],
  ['monitor-net', unsupported('monitor-net has no equivalent')],
  ['compression', unsupported('compression is not translated (a compress middleware behaves differently: it negotiates gzip, br and zstd)')],
  ['filter', unsupported('filters (compression, SPOE, cache, bandwidth limits, traces) have no equivalent')],
  ['server-template', unsupported('server-template with DNS service discovery has no equivalent; list the servers, or let the generator write them')],
  ['resolvers', unsupported('runtime DNS resolution (resolvers sections) has no equivalent')],
  ['tcp-request', unsupported('tcp-request rules have no equivalent in HTTP routing')],
  ['tcp-response', unsupported('tcp-response rules have no equivalent')],
  ['tcp-check', unsupported('tcp-check health checks have no equivalent (Traefik health checks are HTTP)')],
  ['unique-id-format', unsupported('unique request IDs are not generated by the node')],
  ['unique-id-header', unsupported('unique request IDs are not generated by the node')],
  ['use-server', unsupported('use-server (forcing a server) has no equivalent')],
  ['force-persist', unsupported('force-persist has no equivalent')],
  ['ignore-persist', unsupported('ignore-persist has no equivalent')],
  ['persist', unsupported('persist rdp-cookie has no equivalent')],
  ['dynamic-cookie-key', unsupported('dynamic cookies have no equivalent')],
  ['source', unsupported('choosing the source address of upstream connections has no equivalent')],
  ['external-check', unsupported('external health-check scripts have no equivalent')],
  ['option external-check', unsupported('external health-check scripts have no equivalent')],
  ['option ssl-hello-chk', unsupported('protocol health checks have no equivalent (Traefik health checks are HTTP)')],
  ['option mysql-check', unsupported('protocol health checks have no equivalent (Traefik health checks are HTTP)')],
  ['option pgsql-check', unsupported('protocol health checks have no equivalent (Traefik health checks are HTTP)')],
  ['option redis-check', unsupported('protocol health checks have no equivalent (Traefik health checks are HTTP)')],
  ['option smtpchk', unsupported('protocol health checks have no equivalent (Traefik health checks are HTTP)')],
  ['option ldap-check', unsupported('protocol health checks have no equivalent (Traefik health checks are HTTP)')],
  ['option tcp-check', unsupported('tcp-check health checks have no equivalent (Traefik health checks are HTTP)')],
  ['option originalto', unsupported('X-Original-To is not added by the node')],
  ['option persist', unsupported('option persist has no equivalent')],
  ['option transparent', unsupported('transparent proxying has no equivalent')],
  ['option http_proxy', unsupported('forward-proxy mode has no equivalent')],
  ['option spop-check', unsupported('protocol health checks have no equivalent')],
  ['http-after-response', unsupported('http-after-response rules are not translated')],
  ['http-check', unsupported('this http-check form has no equivalent (status expectations and "send" translate)')],
  ['option httpchk', ignored('read with the health checks; no server of this section has "check"')],
  ['rate-limit sessions', unsupported('session rate limiting has no equivalent')],
  ['contimeout', ignored('read with the upstream timeouts')],
  ['srvtimeout', ignored('read with the upstream timeouts')],
]);

/** Reported once per section kind (the section itself, not each line in it). */
const WHOLE_SECTIONS: ReadonlyMap<string, Disposition> = new Map([
  ['peers', STICK],
  ['resolvers', unsupported('runtime DNS resolution has no equivalent (only reported if a server uses it)')],
  ['mailers', ignored('email alerts are not sent by the node')],
  ['program', ignored('programs started by the HAProxy master are not started by the node')],
  ['cache', unsupported('the HAProxy cache has no equivalent')],
  ['http-errors', ERRORS],
  ['ring', LOGGING],
  ['log-forward', LOGGING],
]);

/** Reports every directive of `sections` that the translator did not consume. */
export function reportUnconsumed(sections: readonly Section[], consumed: ReadonlySet<Directive>, findings: Findings): void {
  for (const section of sections) {
    const label = `${section.keyword} ${section.name}`.trim();
    if (section.kind === 'other') {
      const whole = WHOLE_SECTIONS.get(section.keyword) ?? unsupported(`a "${section.keyword}" section has no equivalent`);
      // resolvers only matter when a server uses them, which is reported on the server line.
      if (section.keyword !== 'resolvers') findings.add(whole.severity, label, { line: section.line, words: [section.keyword, section.name] }, whole.message);
      continue;
    }
    for (const directive of section.directives) {
      if (consumed.has(directive)) continue;
      const disposition = dispositionOf(directive.words, section);
      findings.add(disposition.severity, label, directive, disposition.message);
    }
  }
}

function dispositionOf(words: readonly string[], section: Section): Disposition {
  const [first = '', second = ''] = words;
  if (first === 'no' && words[1] === 'option') {
    const inner = DISPOSITIONS.get(`option ${words[2] ?? ''}`);
    return inner?.severity === 'ignored' ? inner : ignored('turns off an option the importer does not translate');
  }
  if (first.startsWith('tune.') || first.startsWith('ssl-default-') || first.startsWith('ssl-') && section.kind === 'global') return PROCESS;
  const found = DISPOSITIONS.get(`${first} ${second}`) ?? DISPOSITIONS.get(first);
  if (found !== undefined) return found;
  if (section.kind === 'defaults' && TRANSLATED.has(first)) return ignored('not used by any translated section');
  if (first === 'acl') return ignored('ACL not used by any translated rule');
  return unsupported(`"${first}" is not translated by the importer`);
}

/** Directives the translator reads where they apply; in a defaults section nobody uses, they do nothing. */
const TRANSLATED: ReadonlySet<string> = new Set(['balance', 'option', 'timeout', 'default-server', 'cookie', 'default_backend', 'http-check', 'mode']);
