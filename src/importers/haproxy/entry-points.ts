/**
 * @module `bind` lines → entry points. Entry points are static configuration in Traefik and in
 * Switchyard, so the import cannot write them: it names one per distinct address (`http-80`,
 * `https-443`), gives routers those names, and prints the `--entryPoints.<name>.address=` flags
 * every node needs. `ssl crt <file|dir>` also yields `tls/certificates` keys pointing at the same
 * files (a path is read on the node; HAProxy's combined PEM serves as both cert and key file).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import type { Directive } from './parse-config.ts';
import type { ProxyView } from './proxy-view.ts';
import { sanitizeName } from './key-builder.ts';
import type { TranslationContext } from './translation-context.ts';
import { combineTlsSettings, emptySettingWords, readTlsSetting, type TlsSettings, type TlsSettingWords } from './tls-settings.ts';

export interface EntryPointSpec {
  readonly name: string;
  /** As Traefik's `address` takes it: `:80`, `127.0.0.1:8080`, `[::1]:443`. */
  readonly address: string;
  readonly port: number;
  readonly tls: boolean;
  /** Where it came from, for the printed summary. */
  readonly section: string;
  readonly line: number;
}

type BindOption = { readonly arity: 0 | 1; readonly note?: readonly ['ignored' | 'deviation' | 'unsupported', string] };

const TLS_TUNING = ['deviation', 'this TLS setting has no equivalent in Traefik\'s TLS options; the node\'s default applies'] as const;
const BIND_OPTIONS: ReadonlyMap<string, BindOption> = new Map<string, BindOption>([
  ['ssl', { arity: 0 }],
  ['crt', { arity: 1 }],
  ['crt-list', { arity: 1, note: ['unsupported', 'crt-list (per-certificate SNI filters and options) is not translated'] }],
  ['accept-proxy', { arity: 0, note: ['deviation', 'the PROXY protocol is an entry-point setting: add --entryPoints.<name>.proxyProtocol.trustedIPs=<load balancer addresses> where the node supports it'] }],
  ['transparent', { arity: 0, note: ['unsupported', 'transparent binding has no equivalent'] }],
  // Read into tls/options/default (tls-settings.ts), which reports what does not translate.
  ['verify', { arity: 1 }],
  ['ca-file', { arity: 1 }],
  ['crl-file', { arity: 1, note: ['unsupported', 'certificate revocation lists are not translated: revoked client certificates would be accepted'] }],
  ['generate-certificates', { arity: 0, note: ['unsupported', 'on-the-fly certificates have no equivalent'] }],
  ['quic-cc-algo', { arity: 1, note: ['unsupported', 'QUIC is not translated'] }],
  ...['alpn', 'npn', 'name', 'id', 'process', 'thread', 'maxconn', 'backlog', 'interface', 'mss', 'nice', 'level', 'mode', 'user', 'group', 'uid', 'gid', 'severity-output', 'expose-fd', 'tcp-ut', 'label', 'namespace', 'shards', 'guid-prefix'].map((k) => [k, { arity: 1 }] as const),
  ...['v4v6', 'v6only', 'tfo', 'defer-accept', 'no-ca-names', 'prefer-client-ciphers', 'strict-sni', 'allow-0rtt', 'no-tls-tickets', 'tls-tickets'].map((k) => [k, { arity: 0 }] as const),
  ...['ciphers', 'ciphersuites', 'curves', 'ssl-min-ver', 'ssl-max-ver'].map((k) => [k, { arity: 1 }] as const),
  ...['no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13', 'force-tlsv10', 'force-tlsv11', 'force-tlsv12', 'force-tlsv13'].map((k) => [k, { arity: 0 }] as const),
  ...['ecdhe', 'tls-ticket-keys', 'sigalgs', 'client-sigalgs', 'ca-ignore-err', 'crt-ignore-err', 'ca-sign-file', 'ca-sign-pass', 'ca-verify-file'].map((k) => [k, { arity: 1, note: TLS_TUNING }] as const),
  ['force-sslv3', { arity: 0, note: ['unsupported', 'SSLv3 is not offered by the node'] }],
]);

/** Entry points across the whole file: one per distinct address, with a unique name. */
export class EntryPointRegistry {
  readonly #byAddress = new Map<string, EntryPointSpec>();
  readonly #names = new Set<string>();
  /** `global ssl-default-bind-*`, what each `ssl` bind's own settings go over. */
  readonly #globalTls: TlsSettingWords | undefined;
  readonly #tlsBinds: Array<{ readonly words: TlsSettingWords; readonly settings: TlsSettings }> = [];

  constructor(globalTls?: TlsSettingWords) {
    this.#globalTls = globalTls;
  }

  /** The TLS settings of every `ssl` bind, in file order (tls-settings.ts writes them). */
  get tlsBinds(): ReadonlyArray<{ readonly words: TlsSettingWords; readonly settings: TlsSettings }> {
    return this.#tlsBinds;
  }

  get all(): readonly EntryPointSpec[] {
    return [...this.#byAddress.values()];
  }

  /** The entry points of `proxy`'s binds, split into plain and TLS ones. */
  binds(proxy: ProxyView, tx: TranslationContext): { plain: EntryPointSpec[]; tls: EntryPointSpec[] } {
    const plain: EntryPointSpec[] = [];
    const tls: EntryPointSpec[] = [];
    for (const d of proxy.own('bind')) {
      const secure = this.#options(d, proxy, tx);
      for (const address of (d.words[1] ?? '').split(',')) {
        const parsed = parseBindAddress(address);
        if (typeof parsed === 'string') {
          tx.report('unsupported', proxy, d, `${address}: ${parsed}`);
          continue;
        }
        const existing = this.#byAddress.get(parsed.address);
        if (existing !== undefined) {
          if (existing.section !== proxy.label) tx.report('unsupported', proxy, d, `${address} is also bound by ${existing.section} (line ${existing.line}); only the first section's routes use it`);
          continue;
        }
        const spec: EntryPointSpec = { name: this.#name(secure, parsed), address: parsed.address, port: parsed.port, tls: secure, section: proxy.label, line: d.line };
        this.#byAddress.set(parsed.address, spec);
        (secure ? tls : plain).push(spec);
      }
    }
    return { plain, tls };
  }

  /** Reads the bind's options; adds certificate keys and its TLS settings; returns whether it terminates TLS. */
  #options(d: Directive, proxy: ProxyView, tx: TranslationContext): boolean {
    const words = d.words.slice(2);
    const tlsWords = emptySettingWords(proxy, d);
    let secure = false;
    for (let i = 0; i < words.length; i++) {
      const option = words[i]!;
      const spec = BIND_OPTIONS.get(option);
      if (spec === undefined) {
        tx.report('unsupported', proxy, d, `bind option "${option}" is not translated`);
        continue;
      }
      const value = spec.arity === 1 ? (words[++i] ?? '') : '';
      if (spec.note !== undefined) tx.report(spec.note[0], proxy, d, `${option}: ${spec.note[1]}`);
      if (option === 'ssl') secure = true;
      if (option === 'crt') addCertificates(value, d, proxy, tx);
      readTlsSetting(option, value, tlsWords, tx);
    }
    if (secure) this.#tlsBinds.push({ words: tlsWords, settings: combineTlsSettings(this.#globalTls, tlsWords, tx) });
    return secure;
  }

  #name(tls: boolean, bind: { host: string; port: number }): string {
    const base = `${tls ? 'https' : 'http'}-${bind.port}`;
    const name = this.#names.has(base) ? `${base}-${bind.host.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'any'}` : base;
    this.#names.add(name);
    return name;
  }
}

/** `:80`, `*:80`, `0.0.0.0:80`, `127.0.0.1:80`, `:::80`, `[::1]:80`, `ipv4@…`, `ipv6@…`. */
function parseBindAddress(text: string): { address: string; host: string; port: number } | string {
  let rest = text.replace(/^ipv[46]@/, '');
  if (/^(unix|abns|fd|sockpair|udp[46]?|quic[46]?)@/.test(rest) || rest.startsWith('/')) return 'only IP addresses translate to entry points';
  const colon = rest.lastIndexOf(':');
  if (colon === -1) return 'no port';
  const portText = rest.slice(colon + 1);
  if (!/^\d+$/.test(portText)) return `port "${portText}" (ranges are not translated)`;
  rest = rest.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(portText);
  if (rest === '' || rest === '*' || rest === '::') return { address: `:${port}`, host: '', port };
  return { address: rest.includes(':') ? `[${rest}]:${port}` : `${rest}:${port}`, host: rest, port };
}

/** Extra files HAProxy loads beside a certificate (ssl-load-extra-files), not certificates themselves. */
const EXTRA_FILES = /\.(key|ocsp|issuer|sctl|dh)$/;

function addCertificates(path: string, d: Directive, proxy: ProxyView, tx: TranslationContext): void {
  const full = isAbsolute(path) || tx.crtBase === undefined ? path : join(tx.crtBase, path);
  let files = [full];
  try {
    if (statSync(full).isDirectory()) files = readdirSync(full).filter((f) => !EXTRA_FILES.test(f) && !f.startsWith('.')).sort().map((f) => join(full, f));
  } catch {
    // Not readable here: the path is still what the node will read.
  }
  for (const file of files) {
    const key = existsSync(`${file}.key`) ? `${file}.key` : file;
    tx.keys.certificate(sanitizeName(basename(file)), { certFile: file, keyFile: key });
  }
  tx.report('deviation', proxy, d, `certificate files are referenced by path (${files.length === 1 ? full : `${files.length} files in ${full}`}): each node reads them from its own disk, so the files must exist there too (or put the PEM text in the certFile/keyFile keys)`);
}
