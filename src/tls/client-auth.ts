/**
 * @module Client-certificate authentication (Traefik's `clientAuth`), with Go's semantics as
 * Traefik's tlsmanager applies them: `caFiles` alone means RequireAndVerifyClientCert; a verify type
 * without `caFiles` is refused; RequestClientCert and RequireAnyClientCert never verify.
 *
 * Enforcement has two halves. The socket options ask OpenSSL for the certificate and make it fail
 * the handshake when a required one is missing. But Node's own verify callback accepts every
 * certificate, and only a tls.Server reads OpenSSL's verdict afterwards (`authorized`); our sockets
 * are made without one (entry-point.ts), so the verdict is read here, after 'secure' and before any
 * byte of HTTP, and a connection it refuses is closed.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { SecureContextOptions, TLSSocket } from 'node:tls';

export const CLIENT_AUTH_CODE = 'SY_TLS_CLIENT_AUTH';

export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** What the snapshot carries: the effective type (never NoClientCert: that is no clientAuth) and the CAs' PEM. */
export interface ClientAuthSpec {
  readonly type: Exclude<ClientAuthType, 'NoClientCert'>;
  readonly caPems: readonly string[];
}

const VERIFIES: ReadonlySet<ClientAuthType> = new Set(['VerifyClientCertIfGiven', 'RequireAndVerifyClientCert']);
const REQUIRES: ReadonlySet<ClientAuthType> = new Set(['RequireAnyClientCert', 'RequireAndVerifyClientCert']);

/** The type in force: the configured one, else RequireAndVerifyClientCert when CAs are given (Traefik). */
export function effectiveClientAuthType(clientAuth: { readonly caFiles?: readonly string[] | undefined; readonly clientAuthType?: ClientAuthType | undefined }): ClientAuthType {
  return clientAuth.clientAuthType ?? ((clientAuth.caFiles?.length ?? 0) > 0 ? 'RequireAndVerifyClientCert' : 'NoClientCert');
}

/** Traefik refuses a verify type with nothing to verify against ("CAFiles is required"). */
export function clientAuthTypeProblem(clientAuth: { readonly caFiles?: readonly string[] | undefined; readonly clientAuthType?: ClientAuthType | undefined }): string | undefined {
  const type = effectiveClientAuthType(clientAuth);
  if (VERIFIES.has(type) && (clientAuth.caFiles?.length ?? 0) === 0) return `clientAuthType ${type} verifies client certificates against caFiles, and none are given`;
  return undefined;
}

/** Why a CA file's PEM cannot be used (Go: no certificate appended to the pool), or undefined. */
export function caPemProblem(pem: string): string | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'no PEM certificate in it';
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      return `not a PEM certificate: ${(error as Error).message}`;
    }
  }
  return undefined;
}

/** How a TLS socket asks for the certificate (TLSSocket options) and what its secure contexts carry. */
export interface ClientAuthPolicy {
  readonly spec: ClientAuthSpec | undefined;
  readonly requestCert: boolean;
  /** For a server socket without a tls.Server this is only OpenSSL's "fail if no certificate". */
  readonly rejectUnauthorized: boolean;
}

export const NO_CLIENT_AUTH: ClientAuthPolicy = Object.freeze({ spec: undefined, requestCert: false, rejectUnauthorized: false });

export function clientAuthPolicy(spec: ClientAuthSpec | undefined): ClientAuthPolicy {
  if (spec === undefined) return NO_CLIENT_AUTH;
  return { spec, requestCert: true, rejectUnauthorized: REQUIRES.has(spec.type) };
}

/**
 * Secure-context options for client authentication. `ca` is set even when empty: without it Node
 * verifies against its public root store. The session-id context is what OpenSSL needs before it
 * resumes a session of a socket that asks for certificates; derived from the configuration, it is
 * the same on every node (tickets are shared) and a session made under other clientAuth settings
 * is not resumed (a full handshake asks again).
 */
export function clientAuthContextOptions(spec: ClientAuthSpec | undefined): SecureContextOptions {
  if (spec === undefined) return {};
  const hash = createHash('sha256').update(spec.type);
  for (const pem of spec.caPems) hash.update('\0').update(pem);
  return { ca: [...spec.caPems], sessionIdContext: hash.digest('hex').slice(0, 32) };
}

/** Why this handshake's client may not go on (the connection is then closed), or undefined. */
export function clientAuthRefusal(socket: TLSSocket, policy: ClientAuthPolicy): string | undefined {
  const spec = policy.spec;
  if (spec === undefined || spec.type === 'RequestClientCert') return undefined;
  // A resumed session carries the certificate of its first handshake (OpenSSL keeps it in the ticket).
  const given = Object.keys(socket.getPeerCertificate()).length > 0;
  if (!given) return REQUIRES.has(spec.type) ? 'no client certificate' : undefined;
  if (spec.type === 'RequireAnyClientCert') return undefined;
  if (spec.caPems.length === 0) return 'no usable CA in caFiles';
  const error = verifyError(socket);
  return error === null ? undefined : `client certificate not verified: ${error}`;
}

/**
 * OpenSSL's verification result for the peer (what tls.Server turns into `authorized`). Not public
 * API; if a Node version lacks it, every certificate is refused rather than accepted unverified.
 */
function verifyError(socket: TLSSocket): string | null {
  const handle = (socket as unknown as { ssl?: { verifyError?: () => (Error & { code?: string }) | null } }).ssl;
  if (typeof handle?.verifyError !== 'function') return 'verification result unavailable';
  const error = handle.verifyError();
  return error === null || error === undefined ? null : (error.code ?? error.message);
}
