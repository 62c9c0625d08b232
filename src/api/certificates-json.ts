/**
 * @module GET /api/tls/certificates: the certificates this node serves (from the dynamic
 * configuration's `tls/certificates` and from the cluster's ACME state) as the dashboard shows them:
 * names, issuer, validity, and where each came from. Each PEM is parsed once and remembered while it
 * stays in the configuration.
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateSpec } from '../runtime/snapshot.ts';

export interface CertificateJson {
  /** The key or file the certificate was configured at, or the cluster's certificate id (ACME). */
  readonly id: string;
  readonly source: 'configuration' | 'acme';
  readonly subject: string;
  /** DNS names and IP addresses the certificate is valid for (its SANs, else its CN). */
  readonly domains: readonly string[];
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** Why it could not be read; the other fields are empty then. */
  readonly error?: string;
}

type Parsed = Omit<CertificateJson, 'id' | 'source'>;

export class CertificateDescriptions {
  readonly #parsed = new Map<string, Parsed>();

  /** Sorted by expiry, soonest first (a certificate that does not parse comes first). */
  describe(specs: readonly CertificateSpec[]): CertificateJson[] {
    const seen = new Set<string>();
    const out: CertificateJson[] = [];
    for (const spec of specs) {
      seen.add(spec.certPem);
      let parsed = this.#parsed.get(spec.certPem);
      if (parsed === undefined) this.#parsed.set(spec.certPem, (parsed = parse(spec.certPem)));
      // Keys from a provider are paths (`traefik/tls/certificates/…`); ACME ids are the cluster's own.
      out.push({ id: spec.id, source: spec.id.includes('/tls/certificates/') ? 'configuration' : 'acme', ...parsed });
    }
    for (const pem of this.#parsed.keys()) if (!seen.has(pem)) this.#parsed.delete(pem);
    return out.sort((a, b) => (a.notAfter < b.notAfter ? -1 : a.notAfter > b.notAfter ? 1 : 0));
  }
}

function parse(pem: string): Parsed {
  try {
    // The leaf: X509Certificate reads the first certificate of a chain.
    const cert = new X509Certificate(pem);
    const sans = (cert.subjectAltName ?? '')
      .split(', ')
      .filter((entry) => entry.startsWith('DNS:') || entry.startsWith('IP Address:'))
      .map((entry) => entry.slice(entry.indexOf(':') + 1));
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
    return {
      subject: cert.subject.replaceAll('\n', ', '),
      domains: sans.length > 0 ? [...new Set(sans)] : cn === undefined ? [] : [cn],
      issuer: cert.issuer.replaceAll('\n', ', '),
      notBefore: cert.validFromDate.toISOString(),
      notAfter: cert.validToDate.toISOString(),
    };
  } catch (error) {
    return { subject: '', domains: [], issuer: '', notBefore: '', notAfter: '', error: (error as Error).message };
  }
}
