/**
 * @module SNI selection: certificates indexed by the DNS names they cover (subjectAltName, else the
 * subject CN), exact names first, then a wildcard one label up (`*.example.com` covers
 * `a.example.com`, not `a.b.example.com` nor `example.com`), as Traefik and browsers do.
 * Secure contexts are built once per certificate content and TLS options, and kept across
 * snapshots, so a configuration change does not rebuild every context (or drop a session cache).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';

export interface CertificateSource {
  /** Where it came from, for the API (`traefik/tls/certificates/example.com`, `acme:le`). */
  readonly id: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface IndexedCertificate {
  readonly id: string;
  readonly names: readonly string[];
  readonly notAfter: Date;
  readonly issuer: string;
  readonly context: SecureContext;
}

export class CertificateIndex {
  readonly #exact = new Map<string, IndexedCertificate>();
  readonly #wildcard = new Map<string, IndexedCertificate>();
  readonly all: readonly IndexedCertificate[];

  /**
   * `contexts` is the previous index's context cache (content hash → context), reused when the
   * same PEM pair appears again. Certificates that do not parse are returned in `errors`.
   */
  constructor(sources: readonly CertificateSource[], options: SecureContextOptions, contexts: Map<string, SecureContext>) {
    const all: IndexedCertificate[] = [];
    this.errors = [];
    const optionsHash = hashOfOptions(options);
    for (const source of sources) {
      try {
        const parsed = new X509Certificate(source.certPem);
        const context = cachedContext(source, options, optionsHash, contexts);
        const names = dnsNames(parsed);
        const entry: IndexedCertificate = { id: source.id, names, notAfter: new Date(parsed.validTo), issuer: parsed.issuer, context };
        all.push(entry);
        for (const name of names) {
          // The first certificate for a name wins; later ones are only reachable by other names.
          if (name.startsWith('*.')) {
            if (!this.#wildcard.has(name.slice(2))) this.#wildcard.set(name.slice(2), entry);
          } else if (!this.#exact.has(name)) this.#exact.set(name, entry);
        }
      } catch (error) {
        this.errors.push({ id: source.id, message: (error as Error).message });
      }
    }
    this.all = all;
  }

  readonly errors: Array<{ readonly id: string; readonly message: string }>;

  /** The certificate for an SNI name, or undefined (the caller falls back to its default). */
  select(servername: string): IndexedCertificate | undefined {
    const name = servername.toLowerCase().replace(/\.$/, '');
    const exact = this.#exact.get(name);
    if (exact !== undefined) return exact;
    const dot = name.indexOf('.');
    return dot === -1 ? undefined : this.#wildcard.get(name.slice(dot + 1));
  }
}

/** What keys a context's options in the cache (`cachedContext`). */
export function hashOfOptions(options: SecureContextOptions): string {
  return createHash('sha256').update(JSON.stringify(options)).digest('base64');
}

/**
 * The secure context for a pair under options, from `contexts` (content hash → context) or made and
 * put there. The options are part of a context: the same pair under other options (a client CA) is
 * another one.
 */
export function cachedContext(pair: { readonly certPem: string; readonly keyPem: string }, options: SecureContextOptions, optionsHash: string, contexts: Map<string, SecureContext>): SecureContext {
  const hash = createHash('sha256').update(optionsHash).update('\0').update(pair.certPem).update('\0').update(pair.keyPem).digest('base64');
  let context = contexts.get(hash);
  if (context === undefined) {
    context = createSecureContext({ ...options, cert: pair.certPem, key: pair.keyPem });
    contexts.set(hash, context);
  }
  return context;
}

function dnsNames(cert: X509Certificate): string[] {
  const names: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(',')) {
    const trimmed = part.trim();
    if (trimmed.startsWith('DNS:')) names.push(trimmed.slice(4).toLowerCase());
  }
  if (names.length === 0) {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
    if (cn !== undefined) names.push(cn.toLowerCase());
  }
  return names;
}
