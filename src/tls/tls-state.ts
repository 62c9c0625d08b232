/**
 * @module A data plane's TLS side: for the default TLS options and each named set some host uses,
 * the certificate index of the current snapshot and the default certificate (configured `default`
 * store, else the node's generated one), as the callbacks a TLS socket needs; which set a server
 * name gets; and the SNI check against domain fronting. Contexts are cached by content and options
 * across snapshots.
 */
import { createHash } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { requestHostKey } from '../rules/host-match.ts';
import { EMPTY_TLS, type CertificateSpec, type TlsOptionsSpec, type TlsSpec } from '../runtime/snapshot.ts';
import { DEFAULT_TLS_OPTIONS } from '../runtime/tls-policy.ts';
import { cachedContext, CertificateIndex, hashOfOptions } from './certificate-index.ts';
import { clientAuthContextOptions, clientAuthPolicy, type ClientAuthPolicy } from './client-auth.ts';
import { GO_CIPHERS_TO_OPENSSL, GO_CURVES_TO_OPENSSL } from './tls-names.ts';

const TLS_VERSIONS: Readonly<Record<string, SecureContextOptions['minVersion']>> = {
  VersionTLS10: 'TLSv1',
  VersionTLS11: 'TLSv1.1',
  VersionTLS12: 'TLSv1.2',
  VersionTLS13: 'TLSv1.3',
};

/**
 * One set of TLS options applied to the certificates: the SNI-selected contexts, the fallback for a
 * name no certificate covers, how client certificates are asked for, and the ALPN protocols. A TLS
 * socket is made with one of these, chosen by the ClientHello's server name before the handshake
 * starts (as Go's GetConfigForClient does for Traefik), so versions, ciphers and client
 * authentication are the chosen set's from the first byte.
 */
export class TlsOptionSet {
  readonly name: string;
  readonly index: CertificateIndex;
  /** For clients that send no SNI (or match nothing): the configured or generated default certificate. */
  readonly fallback: SecureContext | undefined;
  /** How TLS sockets ask for client certificates, and judge them after the handshake (client-auth.ts). */
  readonly clientAuth: ClientAuthPolicy;
  readonly alpnProtocols: readonly string[];
  readonly #sniStrict: boolean;

  constructor(name: string, index: CertificateIndex, fallback: SecureContext | undefined, spec: TlsOptionsSpec) {
    this.name = name;
    this.index = index;
    this.fallback = fallback;
    this.clientAuth = clientAuthPolicy(spec.clientAuth);
    this.#sniStrict = spec.sniStrict;
    this.alpnProtocols = spec.alpnProtocols !== undefined && spec.alpnProtocols.length > 0 ? spec.alpnProtocols.filter((p) => p !== 'h2') : ['http/1.1'];
  }

  readonly sniCallback = (servername: string, callback: (error: Error | null, context?: SecureContext) => void): void => {
    const found = this.index.select(servername);
    if (found !== undefined) callback(null, found.context);
    else if (this.#sniStrict) callback(new Error(`no certificate for ${servername} (sniStrict)`));
    else callback(null, this.fallback);
  };
}

export class TlsState {
  readonly #generated: CertificateSpec | undefined;
  readonly #contexts = new Map<string, SecureContext>();
  #default: TlsOptionSet;
  #named = new Map<string, TlsOptionSet>();
  /** Entry point → host → options name (the snapshot's, as maps). */
  #hostOptions = new Map<string, ReadonlyMap<string, string>>();

  /** TLS socket → the name of the options it was handshaken under. */
  readonly #handshakenUnder = new WeakMap<object, string>();

  readonly #localTicketKeys: Buffer | undefined;
  #ticketKeys: Buffer | undefined;
  #alpnChallenges = new Map<string, SecureContext>();

  /**
   * `ticketKeys`: this node's own session-ticket keys (48 bytes), shared by its worker threads and
   * used until the cluster publishes keys of its own (then a ticket resumes on any node).
   */
  constructor(generated: CertificateSpec | undefined, ticketKeys?: Buffer) {
    this.#generated = generated;
    this.#localTicketKeys = ticketKeys;
    this.#ticketKeys = ticketKeys;
    const fallback = generated === undefined ? undefined : cachedContext(generated, {}, hashOfOptions({}), this.#contexts);
    if (fallback !== undefined && ticketKeys !== undefined) setTicketKeys(fallback, ticketKeys);
    this.#default = new TlsOptionSet(DEFAULT_TLS_OPTIONS, new CertificateIndex([], {}, this.#contexts), fallback, EMPTY_TLS.options);
  }

  apply(spec: TlsSpec): void {
    this.#ticketKeys = spec.ticketKeys === undefined ? this.#localTicketKeys : Buffer.from(spec.ticketKeys, 'base64');
    const used = new Set<SecureContext>();
    const fallbackCert = spec.defaultCertificate ?? this.#generated;
    const optionSet = (name: string, optionsSpec: TlsOptionsSpec): TlsOptionSet => {
      const options = contextOptions(optionsSpec);
      const index = new CertificateIndex(spec.certificates, options, this.#contexts);
      // The default certificate's context comes from the same cache as the index's.
      const fallback = fallbackCert === undefined ? undefined : cachedContext(fallbackCert, options, hashOfOptions(options), this.#contexts);
      for (const cert of index.all) used.add(cert.context);
      if (fallback !== undefined) used.add(fallback);
      return new TlsOptionSet(name, index, fallback, optionsSpec);
    };
    this.#default = optionSet(DEFAULT_TLS_OPTIONS, spec.options);
    this.#named = new Map(Object.entries(spec.namedOptions ?? {}).map(([name, o]) => [name, optionSet(name, o)]));
    this.#hostOptions = new Map(Object.entries(spec.hostOptions ?? {}).map(([ep, hosts]) => [ep, new Map(Object.entries(hosts))]));
    // Contexts are cached by content and options; those no set uses any more are dropped.
    for (const [hash, context] of this.#contexts) if (!used.has(context)) this.#contexts.delete(hash);
    this.#alpnChallenges = new Map(Object.entries(spec.alpnChallenges).map(([domain, c]) => [domain, createSecureContext({ cert: c.certPem, key: c.keyPem })]));
    if (this.#ticketKeys !== undefined) for (const context of used) setTicketKeys(context, this.#ticketKeys);
  }

  /** The TLS-ALPN-01 challenge certificate for a name, while a validation is pending. */
  alpnChallenge(serverName: string): SecureContext | undefined {
    return this.#alpnChallenges.get(serverName);
  }

  /** The default options' certificates (what the API lists). */
  get index(): CertificateIndex {
    return this.#default.index;
  }

  /**
   * The options for a connection to `entryPoint` whose ClientHello names `serverName` (none: the
   * default options); undefined when its host's routers name options that do not exist or do not
   * decode: the connection is refused (Traefik's closing route for such hosts), not served under
   * the defaults.
   */
  optionsFor(entryPoint: string, serverName: string | undefined): TlsOptionSet | undefined {
    if (this.#hostOptions.size === 0) return this.#default;
    const name = this.optionsNameFor(entryPoint, serverName ?? '');
    return name === DEFAULT_TLS_OPTIONS ? this.#default : this.#named.get(name);
  }

  /**
   * The qualified name of the options a host's TLS routers on `entryPoint` ask for (Traefik's
   * tlsOptionsForHost), `default` for others: the exact name first, then a `*.parent` wildcard one
   * label up, then the catch-all `Host(\`*\`)` (which no server name at all also gets).
   */
  optionsNameFor(entryPoint: string, host: string): string {
    const hosts = this.#hostOptions.get(entryPoint);
    if (hosts === undefined) return DEFAULT_TLS_OPTIONS;
    if (host !== '') {
      const key = requestHostKey(host.toLowerCase());
      const exact = hosts.get(key);
      if (exact !== undefined) return exact;
      const dot = key.indexOf('.');
      const wildcard = dot === -1 ? undefined : hosts.get(`*${key.slice(dot)}`);
      if (wildcard !== undefined) return wildcard;
    }
    return hosts.get('*') ?? DEFAULT_TLS_OPTIONS;
  }

  /** Records the options a TLS socket is made with (entry point), for `servedUnder`. */
  handshakeUnder(socket: object, options: TlsOptionSet): void {
    this.#handshakenUnder.set(socket, options.name);
  }

  /** The name of the options a TLS socket was handshaken under; undefined for any other socket. */
  servedUnder(socket: object): string | undefined {
    return this.#handshakenUnder.get(socket);
  }

  /**
   * Traefik's SNI check against domain fronting: a request whose Host asks for other TLS options
   * than the connection's server name was handshaken under gets 421 Misdirected Request. Without
   * it, a client could handshake under a name without client-certificate authentication and then
   * ask for a host that requires it.
   */
  misdirected(entryPoint: string, host: string, socket: object): boolean {
    if (!this.#hostOptions.has(entryPoint)) return false;
    const sni = serverNameOf(socket) ?? '';
    if (host.toLowerCase() === sni.toLowerCase()) return false;
    return this.optionsNameFor(entryPoint, host) !== this.optionsNameFor(entryPoint, sni);
  }

}

/** The server name (SNI) a TLS socket was handshaken for; undefined without one (or for another socket). */
export function serverNameOf(socket: object): string | undefined {
  const name = (socket as { servername?: unknown }).servername;
  return typeof name === 'string' ? name : undefined;
}

/** Node keeps ticket keys on the native context (what tls.Server.setTicketKeys does for its own). */
function setTicketKeys(context: SecureContext, keys: Buffer): void {
  (context as unknown as { context: { setTicketKeys(keys: Buffer): void } }).context.setTicketKeys(keys);
}

function contextOptions(o: TlsOptionsSpec): SecureContextOptions {
  // Every context carries the client CAs, SNI-selected ones too: OpenSSL verifies against the
  // context the handshake ends on. Its session-id context is the whole option set's: a session is
  // resumed only under the options it was made under (their ciphers, their client authentication),
  // and on every node, which derive the same value from the same configuration.
  const out: SecureContextOptions = { ...clientAuthContextOptions(o.clientAuth), sessionIdContext: createHash('sha256').update(JSON.stringify(o)).digest('hex').slice(0, 32) };
  if (o.minVersion !== undefined) out.minVersion = TLS_VERSIONS[o.minVersion];
  if (o.maxVersion !== undefined) out.maxVersion = TLS_VERSIONS[o.maxVersion];
  if (o.curvePreferences !== undefined && o.curvePreferences.length > 0) out.ecdhCurve = o.curvePreferences.map((c) => GO_CURVES_TO_OPENSSL[c] ?? c).join(':');
  if (o.cipherSuites !== undefined && o.cipherSuites.length > 0) {
    // Names not in the table pass through (OpenSSL's own spelling); TLS 1.3 names are Go's to ignore.
    const tls12 = o.cipherSuites.filter((c) => !c.startsWith('TLS_AES_') && !c.startsWith('TLS_CHACHA20_')).map((c) => GO_CIPHERS_TO_OPENSSL[c] ?? c);
    if (tls12.length > 0) out.ciphers = tls12.join(':');
  }
  return out;
}
