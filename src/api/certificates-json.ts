/**
 * @module GET /api/tls/certificates: the certificates this node serves (from the dynamic
 * configuration's `tls/certificates` and from the cluster's ACME state) as the dashboard shows them:
 * names, issuer, validity, and where each came from. Each PEM is parsed once and remembered while it
 * stays in the configuration.
 */
import { CertificateFactsCache, type CertificateFacts } from '../tls/certificate-facts.ts';
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


export class CertificateDescriptions {
  readonly #facts = new CertificateFactsCache();

  /** Sorted by expiry, soonest first (a certificate that does not parse comes first). */
  describe(specs: readonly CertificateSpec[]): CertificateJson[] {
    const facts = this.#facts.read(specs.map((spec) => spec.certPem));
    const out = specs.map((spec, i): CertificateJson => ({
      id: spec.id,
      // Keys from a provider are paths (`traefik/tls/certificates/…`); ACME ids are the cluster's own.
      source: spec.id.includes('/tls/certificates/') ? 'configuration' : 'acme',
      ...described(facts[i]!),
    }));
    return out.sort((a, b) => (a.notAfter < b.notAfter ? -1 : a.notAfter > b.notAfter ? 1 : 0));
  }
}

function described(facts: CertificateFacts | Error): Omit<CertificateJson, 'id' | 'source'> {
  if (facts instanceof Error) return { subject: '', domains: [], issuer: '', notBefore: '', notAfter: '', error: facts.message };
  return {
    subject: facts.subject,
    domains: facts.sans.length > 0 ? [...new Set(facts.sans)] : facts.cn === undefined ? [] : [facts.cn],
    issuer: facts.issuer,
    notBefore: facts.notBefore.toISOString(),
    notAfter: facts.notAfter.toISOString(),
  };
}
