/**
 * @module A data plane's TLS side: the certificate index of the current snapshot, the default
 * certificate (configured `default` store, else the node's generated one), and the TLS options,
 * as the callbacks a `tls.Server` needs. Contexts are cached by content across snapshots.
 */
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { CertificateSpec, TlsOptionsSpec, TlsSpec } from '../runtime/snapshot.ts';
import { CertificateIndex } from './certificate-index.ts';
import { clientAuthContextOptions, clientAuthPolicy, NO_CLIENT_AUTH, type ClientAuthPolicy } from './client-auth.ts';

const TLS_VERSIONS: Readonly<Record<string, SecureContextOptions['minVersion']>> = {
  VersionTLS10: 'TLSv1',
  VersionTLS11: 'TLSv1.1',
  VersionTLS12: 'TLSv1.2',
  VersionTLS13: 'TLSv1.3',
};

/**
 * Go's TLS 1.2 cipher-suite names (what Traefik's `cipherSuites` takes) → OpenSSL's. TLS 1.3 suites
 * are not configurable in Go, and Traefik ignores them there; so do we.
 */
const CIPHERS: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
};

/** Go curve names → OpenSSL group names. */
const CURVES: Readonly<Record<string, string>> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519', secp256r1: 'P-256', secp384r1: 'P-384' };

export class TlsState {
  readonly #generated: CertificateSpec | undefined;
  readonly #contexts = new Map<string, SecureContext>();
  #index = new CertificateIndex([], {}, this.#contexts);
  #fallback: SecureContext | undefined;
  #sniStrict = false;
  #alpn: string[] = ['http/1.1'];
  #clientAuth: ClientAuthPolicy = NO_CLIENT_AUTH;

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
    if (generated !== undefined) this.#setFallback(generated, {});
  }

  apply(spec: TlsSpec): void {
    const options = contextOptions(spec.options);
    this.#index = new CertificateIndex(spec.certificates, options, this.#contexts);
    // Contexts are cached by content and options; those of the previous options are dropped.
    const used = new Set(this.#index.all.map((c) => c.context));
    for (const [hash, context] of this.#contexts) if (!used.has(context)) this.#contexts.delete(hash);
    this.#clientAuth = clientAuthPolicy(spec.options.clientAuth);
    this.#sniStrict = spec.options.sniStrict;
    this.#alpn = spec.options.alpnProtocols !== undefined && spec.options.alpnProtocols.length > 0 ? spec.options.alpnProtocols.filter((p) => p !== 'h2') : ['http/1.1'];
    this.#alpnChallenges = new Map(Object.entries(spec.alpnChallenges).map(([domain, c]) => [domain, createSecureContext({ cert: c.certPem, key: c.keyPem })]));
    this.#ticketKeys = spec.ticketKeys === undefined ? this.#localTicketKeys : Buffer.from(spec.ticketKeys, 'base64');
    const fallback = spec.defaultCertificate ?? this.#generated;
    if (fallback !== undefined) this.#setFallback(fallback, options);
    if (this.#ticketKeys !== undefined) {
      for (const cert of this.#index.all) setTicketKeys(cert.context, this.#ticketKeys);
    }
  }

  /** The TLS-ALPN-01 challenge certificate for a name, while a validation is pending. */
  alpnChallenge(serverName: string): SecureContext | undefined {
    return this.#alpnChallenges.get(serverName);
  }

  get index(): CertificateIndex {
    return this.#index;
  }

  /** How TLS sockets ask for client certificates, and judge them after the handshake (client-auth.ts). */
  get clientAuth(): ClientAuthPolicy {
    return this.#clientAuth;
  }

  get alpnProtocols(): readonly string[] {
    return this.#alpn;
  }

  /** For clients that send no SNI (or match nothing): the configured or generated default. */
  get defaultContext(): SecureContext | undefined {
    return this.#fallback;
  }

  readonly sniCallback = (servername: string, callback: (error: Error | null, context?: SecureContext) => void): void => {
    const found = this.#index.select(servername);
    if (found !== undefined) callback(null, found.context);
    else if (this.#sniStrict) callback(new Error(`no certificate for ${servername} (sniStrict)`));
    else callback(null, this.#fallback);
  };

  #setFallback(cert: CertificateSpec, options: SecureContextOptions): void {
    this.#fallback = createSecureContext({ ...options, cert: cert.certPem, key: cert.keyPem });
    if (this.#ticketKeys !== undefined) setTicketKeys(this.#fallback, this.#ticketKeys);
  }
}

/** Node keeps ticket keys on the native context (what tls.Server.setTicketKeys does for its own). */
function setTicketKeys(context: SecureContext, keys: Buffer): void {
  (context as unknown as { context: { setTicketKeys(keys: Buffer): void } }).context.setTicketKeys(keys);
}

function contextOptions(o: TlsOptionsSpec): SecureContextOptions {
  // Every context carries the client CAs, SNI-selected ones too: OpenSSL verifies against the
  // context the handshake ends on.
  const out: SecureContextOptions = clientAuthContextOptions(o.clientAuth);
  if (o.minVersion !== undefined) out.minVersion = TLS_VERSIONS[o.minVersion];
  if (o.maxVersion !== undefined) out.maxVersion = TLS_VERSIONS[o.maxVersion];
  if (o.curvePreferences !== undefined && o.curvePreferences.length > 0) out.ecdhCurve = o.curvePreferences.map((c) => CURVES[c] ?? c).join(':');
  if (o.cipherSuites !== undefined && o.cipherSuites.length > 0) {
    // Names not in the table pass through (OpenSSL's own spelling); TLS 1.3 names are Go's to ignore.
    const tls12 = o.cipherSuites.filter((c) => !c.startsWith('TLS_AES_') && !c.startsWith('TLS_CHACHA20_')).map((c) => CIPHERS[c] ?? c);
    if (tls12.length > 0) out.ciphers = tls12.join(':');
  }
  return out;
}
