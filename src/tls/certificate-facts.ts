/**
 * @module What a certificate says about itself (its leaf: names, serial, issuer, validity), read
 * once per PEM and kept while the certificate is in use. The API's certificate list and the
 * `traefik_tls_certs_not_after` gauge both read it here.
 */
import { X509Certificate } from 'node:crypto';

export interface CertificateFacts {
  readonly cn: string | undefined;
  /** DNS names and IP addresses of its SANs, in the certificate's order (repeats kept). */
  readonly sans: readonly string[];
  /** Decimal, as Go prints a big.Int (Traefik's `serial` label). */
  readonly serial: string;
  /** `CN=…, O=…` on one line. */
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Facts by PEM; a PEM that does not parse maps to its error. */
export class CertificateFactsCache {
  readonly #facts = new Map<string, CertificateFacts | Error>();

  /** The facts of each PEM, then forgets the PEMs not given this time. */
  read(pems: readonly string[]): Array<CertificateFacts | Error> {
    const seen = new Set(pems);
    const out = pems.map((pem) => {
      let facts = this.#facts.get(pem);
      if (facts === undefined) this.#facts.set(pem, (facts = readFacts(pem)));
      return facts;
    });
    for (const pem of this.#facts.keys()) if (!seen.has(pem)) this.#facts.delete(pem);
    return out;
  }
}

function readFacts(pem: string): CertificateFacts | Error {
  try {
    // The leaf: X509Certificate reads the first certificate of a chain.
    const cert = new X509Certificate(pem);
    return {
      cn: /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1],
      sans: (cert.subjectAltName ?? '')
        .split(', ')
        .filter((entry) => entry.startsWith('DNS:') || entry.startsWith('IP Address:'))
        .map((entry) => entry.slice(entry.indexOf(':') + 1)),
      serial: BigInt(`0x${cert.serialNumber}`).toString(10),
      subject: cert.subject.replaceAll('\n', ', '),
      issuer: cert.issuer.replaceAll('\n', ', '),
      notBefore: cert.validFromDate,
      notAfter: cert.validToDate,
    };
  } catch (error) {
    return error as Error;
  }
}
