/**
 * @module One `server` line (with the `default-server` lines it inherits) → what a service needs
 * of it: its URL, weight, check settings, backup and disabled flags, cookie value, TLS. A table of
 * every server option says what each one does, and which have no equivalent (reported on the line
 * that sets them, `default-server` included); an option not in the table is reported too.
 */
import type { Directive } from './parse-config.ts';
import { haproxyDurationMs, type ProxyView } from './proxy-view.ts';
import type { TranslationContext } from './translation-context.ts';

export interface ServerSpec {
  readonly directive: Directive;
  readonly name: string;
  url: string;
  weight: number | undefined;
  check: boolean;
  inter: number;
  interSource: Directive | undefined;
  downinter: number | undefined;
  rise: number;
  fall: number;
  backup: boolean;
  disabled: boolean;
  cookie: string | undefined;
  ssl: boolean;
  verifyNone: boolean;
  caFile: string | undefined;
  checkPort: number | undefined;
  checkSsl: boolean;
  h2: boolean;
}

type ParamEffect = (server: ServerSpec, value: string, source: Directive, ctx: ParamContext) => void;

export interface ParamContext {
  readonly proxy: ProxyView;
  readonly tx: TranslationContext;
}

interface ParamSpec {
  readonly arity: 0 | 1;
  readonly apply?: ParamEffect;
  /** Reported when present; the option is otherwise left out. */
  readonly unsupported?: string;
}

const duration = (set: (s: ServerSpec, ms: number) => void): ParamEffect => (s, v, source, { proxy, tx }) => {
  const ms = haproxyDurationMs(v);
  if (ms === undefined) tx.report('unsupported', proxy, source, `"${v}" is not a duration`);
  else set(s, ms);
};
const integer = (set: (s: ServerSpec, n: number) => void): ParamEffect => (s, v) => set(s, Number.parseInt(v, 10));
const ignore: ParamSpec = { arity: 0 };
const ignoreValue: ParamSpec = { arity: 1 };
const QUEUEING = 'connection limits and queueing (maxconn, maxqueue, minconn) have no equivalent: Traefik never queues requests for a server';

const SERVER_PARAMS: ReadonlyMap<string, ParamSpec> = new Map<string, ParamSpec>([
  ['check', { arity: 0, apply: (s) => void (s.check = true) }],
  ['no-check', { arity: 0, apply: (s) => void (s.check = false) }],
  ['inter', { arity: 1, apply: duration((s, ms) => (s.inter = ms)) }],
  ['downinter', { arity: 1, apply: duration((s, ms) => (s.downinter = ms)) }],
  ['fastinter', { arity: 1 }],
  ['rise', { arity: 1, apply: integer((s, n) => (s.rise = n)) }],
  ['fall', { arity: 1, apply: integer((s, n) => (s.fall = n)) }],
  ['weight', { arity: 1, apply: integer((s, n) => (s.weight = n)) }],
  ['backup', { arity: 0, apply: (s) => void (s.backup = true) }],
  ['no-backup', { arity: 0, apply: (s) => void (s.backup = false) }],
  ['disabled', { arity: 0, apply: (s) => void (s.disabled = true) }],
  ['enabled', { arity: 0, apply: (s) => void (s.disabled = false) }],
  ['cookie', { arity: 1, apply: (s, v) => void (s.cookie = v) }],
  ['ssl', { arity: 0, apply: (s) => void (s.ssl = true) }],
  ['no-ssl', { arity: 0, apply: (s) => void (s.ssl = false) }],
  ['verify', { arity: 1, apply: (s, v) => void (s.verifyNone = v === 'none') }],
  ['ca-file', { arity: 1, apply: (s, v) => void (s.caFile = v) }],
  ['port', { arity: 1, apply: integer((s, n) => (s.checkPort = n)) }],
  ['check-ssl', { arity: 0, apply: (s) => void (s.checkSsl = true) }],
  ['proto', { arity: 1, apply: (s, v, source, { proxy, tx }) => (v === 'h2' ? void (s.h2 = true) : tx.report('unsupported', proxy, source, `proto ${v} has no equivalent`)) }],
  ['maxconn', { arity: 1, unsupported: QUEUEING }],
  ['maxqueue', { arity: 1, unsupported: QUEUEING }],
  ['minconn', { arity: 1, unsupported: QUEUEING }],
  ['slowstart', { arity: 1, unsupported: 'slowstart (ramping a recovered server up) has no equivalent' }],
  ['send-proxy', { arity: 0, unsupported: 'the PROXY protocol towards HTTP servers has no equivalent' }],
  ['send-proxy-v2', { arity: 0, unsupported: 'the PROXY protocol towards HTTP servers has no equivalent' }],
  ['send-proxy-v2-ssl', { arity: 0, unsupported: 'the PROXY protocol towards HTTP servers has no equivalent' }],
  ['send-proxy-v2-ssl-cn', { arity: 0, unsupported: 'the PROXY protocol towards HTTP servers has no equivalent' }],
  ['resolvers', { arity: 1, unsupported: 'runtime DNS resolution (resolvers) has no equivalent; the node resolves the host name on each new connection instead' }],
  ['resolve-prefer', { arity: 1 }],
  ['resolve-net', { arity: 1 }],
  ['resolve-opts', { arity: 1 }],
  ['init-addr', { arity: 1 }],
  ['addr', { arity: 1, unsupported: 'a separate health-check address has no equivalent' }],
  ['agent-check', { arity: 0, unsupported: 'agent checks have no equivalent' }],
  ['agent-port', { arity: 1 }],
  ['agent-inter', { arity: 1 }],
  ['agent-addr', { arity: 1 }],
  ['agent-send', { arity: 1 }],
  ['observe', { arity: 1, unsupported: 'passive health observation ("observe") is not translated' }],
  ['on-error', { arity: 1, unsupported: 'on-error actions have no equivalent' }],
  ['on-marked-down', { arity: 1, unsupported: 'on-marked-down actions have no equivalent' }],
  ['on-marked-up', { arity: 1, unsupported: 'on-marked-up actions have no equivalent' }],
  ['error-limit', { arity: 1 }],
  ['track', { arity: 1, unsupported: 'tracking another server\'s health has no equivalent' }],
  ['redir', { arity: 1, unsupported: 'redirecting clients to the server ("redir") has no equivalent' }],
  ['source', { arity: 1, unsupported: 'choosing the source address has no equivalent' }],
  ['crt', { arity: 1, unsupported: 'client certificates towards servers are not translated' }],
  ['sni', { arity: 1, unsupported: 'a per-server SNI expression is not translated' }],
  ['socks4', { arity: 1, unsupported: 'SOCKS4 has no equivalent' }],
  ['namespace', { arity: 1, unsupported: 'network namespaces have no equivalent' }],
  ['check-send-proxy', { arity: 0, unsupported: 'the PROXY protocol in health checks has no equivalent' }],
  ['check-sni', { arity: 1, unsupported: 'a health-check SNI has no equivalent' }],
  ['check-alpn', ignoreValue],
  ['check-proto', ignoreValue],
  ['id', ignoreValue],
  ['alpn', ignoreValue],
  ['npn', ignoreValue],
  ['tfo', ignore],
  ['pool-max-conn', ignoreValue],
  ['pool-purge-delay', ignoreValue],
  ['pool-low-conn', ignoreValue],
  ['max-reuse', ignoreValue],
  ['tcp-ut', ignoreValue],
  ['ssl-reuse', ignore],
  ['no-ssl-reuse', ignore],
  ['ciphers', ignoreValue],
  ['ciphersuites', ignoreValue],
  ['curves', ignoreValue],
  ['sigalgs', ignoreValue],
  ['ssl-min-ver', ignoreValue],
  ['ssl-max-ver', ignoreValue],
  ['crl-file', ignoreValue],
  ['allow-0rtt', ignore],
  ['log-proto', ignoreValue],
  ['ws', ignoreValue],
  ['shard', ignoreValue],
  ['hash-key', ignoreValue],
  ['guid', ignoreValue],
  ...['no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13', 'force-sslv3', 'force-tlsv10', 'force-tlsv11', 'force-tlsv12', 'force-tlsv13', 'no-tls-tickets', 'tls-tickets', 'no-send-proxy', 'no-tfo', 'no-agent-check', 'no-check-ssl', 'no-verifyhost'].map((k) => [k, ignore] as const),
  ['verifyhost', ignoreValue],
]);

/** The server, or undefined (reported) when its address has no translation. */
export function readServer(d: Directive, defaults: readonly Directive[], ctx: ParamContext): ServerSpec | undefined {
  const [, name = '', address = ''] = d.words;
  const target = serverUrlParts(address);
  if (typeof target === 'string') {
    ctx.tx.report('unsupported', ctx.proxy, d, `server ${name}: ${target}; left out`);
    return undefined;
  }
  const server: ServerSpec = {
    directive: d, name, url: '', weight: undefined, check: false, inter: 2_000, interSource: undefined, downinter: undefined, rise: 2, fall: 3,
    backup: false, disabled: false, cookie: undefined, ssl: false, verifyNone: false, caFile: undefined, checkPort: undefined, checkSsl: false, h2: false,
  };
  for (const source of [...defaults.map((def) => ({ directive: def, words: def.words.slice(1) })), { directive: d, words: d.words.slice(3) }]) {
    applyParams(server, source.words, source.directive, ctx);
  }
  const scheme = server.ssl ? 'https' : server.h2 ? 'h2c' : 'http';
  server.url = `${scheme}://${target.host}:${target.port}`;
  return server;
}

function applyParams(server: ServerSpec, words: readonly string[], source: Directive, ctx: ParamContext): void {
  for (let i = 0; i < words.length; i++) {
    const param = words[i]!;
    const spec = SERVER_PARAMS.get(param);
    if (spec === undefined) {
      ctx.tx.report('unsupported', ctx.proxy, source, `server option "${param}" is not translated`);
      continue;
    }
    const value = spec.arity === 1 ? (words[++i] ?? '') : '';
    if (param === 'inter') server.interSource = source;
    if (spec.unsupported !== undefined) ctx.tx.report('unsupported', ctx.proxy, source, `${param}: ${spec.unsupported}`);
    spec.apply?.(server, value, source, ctx);
  }
}

/** `10.0.0.1:8080`, `[::1]:80`, `ipv6@::1:80`, `app.internal:80` → host and port; or why not. */
function serverUrlParts(address: string): { host: string; port: string } | string {
  let text = address.replace(/^ipv[46]@/, '');
  if (/^(unix|abns|fd|sockpair|udp[46]?|quic[46]?)@/.test(text) || text.startsWith('/')) return `the address ${address} is not an IP or host name with a port`;
  if (text.startsWith('[')) text = text.replace(/^\[([^\]]+)\]/, '$1');
  const colon = text.lastIndexOf(':');
  if (colon === -1) return `no port: HAProxy would use the port the client connected to, which has no equivalent`;
  const host = text.slice(0, colon);
  const port = text.slice(colon + 1);
  if (!/^\d+$/.test(port)) return `port "${port}" (offsets and ranges) has no equivalent`;
  if (host === '' || host === '*' || host === '0.0.0.0') return 'no host: HAProxy would connect to the address the client connected to, which has no equivalent';
  return { host: host.includes(':') ? `[${host}]` : host, port };
}
