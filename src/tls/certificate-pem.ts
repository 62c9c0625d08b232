/**
 * @module A configured certificate's PEM values (Traefik's FileOrContent: the PEM text itself, or a
 * path on the node) and the check that the key belongs to the certificate. Without it a bad pair is
 * listed as served while TLS quietly presents the generated default certificate.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SwitchyardError } from '../errors.ts';

export const TLS_CERTIFICATE_CODE = 'SY_TLS_CERTIFICATE';

/** A value holding PEM text rather than a path. */
export function isInlinePem(value: string): boolean {
  return value.includes('-----BEGIN');
}

/** The PEM text of a certFile/keyFile value: the value itself, or the file it names on this node. */
export function readPemValue(value: string, key: string): string {
  if (isInlinePem(value)) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new SwitchyardError(TLS_CERTIFICATE_CODE, `neither PEM nor a readable file: ${(error as Error).message}`, key, { cause: error });
  }
}

/**
 * Throws a SwitchyardError naming `<key>/certFile` or `<key>/keyFile` when the certificate or key
 * does not parse, or when the key is not the certificate's.
 */
export function checkCertificatePair(certPem: string, keyPem: string, key: string): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch (error) {
    throw new SwitchyardError(TLS_CERTIFICATE_CODE, `not a PEM certificate: ${(error as Error).message}`, `${key}/certFile`, { cause: error });
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch (error) {
    throw new SwitchyardError(TLS_CERTIFICATE_CODE, `not a PEM private key: ${(error as Error).message}`, `${key}/keyFile`, { cause: error });
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new SwitchyardError(TLS_CERTIFICATE_CODE, `the private key does not belong to the certificate (subject ${certificate.subject.replaceAll('\n', ', ')})`, `${key}/keyFile`);
  }
}

/** The pair's problem, if any, from its inline values: checked at decode time (path values are checked once read). */
export function inlinePairProblem(certFile: string, keyFile: string): { field: 'certFile' | 'keyFile'; message: string } | undefined {
  const certInline = isInlinePem(certFile);
  const keyInline = isInlinePem(keyFile);
  if (certInline) {
    try {
      new X509Certificate(certFile);
    } catch (error) {
      return { field: 'certFile', message: `not a PEM certificate: ${(error as Error).message}` };
    }
  }
  if (keyInline) {
    try {
      createPrivateKey(keyFile);
    } catch (error) {
      return { field: 'keyFile', message: `not a PEM private key: ${(error as Error).message}` };
    }
  }
  if (!certInline || !keyInline) return undefined;
  try {
    checkCertificatePair(certFile, keyFile, '');
    return undefined;
  } catch (error) {
    return { field: 'keyFile', message: (error as Error).message };
  }
}
