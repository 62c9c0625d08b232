/**
 * @module Where the cluster keeps its ACME state, under `stateKey` (never under the route root, so
 * our writes never fire route watches): the leader lock, per-resolver account and pending orders,
 * issued certificates, and the challenge material every node answers from.
 */

export interface StateKeys {
  readonly root: string;
  readonly leaderLock: string;
  account(resolver: string): string;
  order(resolver: string, certId: string): string;
  certificatesPrefix: string;
  certificate(certId: string): string;
  http01Prefix: string;
  http01(token: string): string;
  tlsAlpn01Prefix: string;
  tlsAlpn01(domain: string): string;
  status(certId: string): string;
  /** Session-ticket keys every node uses, rotated by the leader. */
  readonly ticketKeys: string;
}

export function stateKeys(stateKey: string): StateKeys {
  return {
    root: `${stateKey}/`,
    leaderLock: `${stateKey}/leader/acme`,
    account: (resolver) => `${stateKey}/acme/${resolver}/account`,
    order: (resolver, certId) => `${stateKey}/acme/${resolver}/orders/${certId}`,
    certificatesPrefix: `${stateKey}/certificates/`,
    certificate: (certId) => `${stateKey}/certificates/${certId}`,
    http01Prefix: `${stateKey}/challenges/http-01/`,
    http01: (token) => `${stateKey}/challenges/http-01/${token}`,
    tlsAlpn01Prefix: `${stateKey}/challenges/tls-alpn-01/`,
    tlsAlpn01: (domain) => `${stateKey}/challenges/tls-alpn-01/${domain}`,
    status: (certId) => `${stateKey}/acme/status/${certId}`,
    ticketKeys: `${stateKey}/tls/ticket-keys`,
  };
}

/** A certificate's id: its main domain, with `*` spelled `_wildcard` (Consul rejects `*` in keys). */
export function certificateId(domains: readonly string[]): string {
  return (domains[0] ?? 'unnamed').toLowerCase().replace(/^\*\./, '_wildcard.');
}

/** What the store holds for an issued certificate. */
export interface StoredCertificate {
  readonly resolver: string;
  readonly domains: readonly string[];
  readonly certPem: string;
  /** Sealed with the cluster secret when one is set. */
  readonly keyPem: string;
  readonly notAfter: string;
  readonly issuer: string;
  readonly obtainedAt: string;
  /** Fencing token of the leader that wrote it. */
  readonly token: string;
}

export interface StoredOrder {
  readonly url: string;
  readonly domains: readonly string[];
  readonly keyPem: string;
  readonly createdAt: string;
}

export interface StoredTicketKeys {
  /** 48 bytes, base64, sealed with the cluster secret when one is set. */
  readonly keys: string;
  readonly rotatedAt: string;
}

export interface StoredStatus {
  readonly certId: string;
  /** Absent in statuses written before it was recorded. */
  readonly resolver?: string;
  readonly domains: readonly string[];
  readonly lastError: string | null;
  readonly failures: number;
  readonly nextAttempt: string | null;
  readonly updatedAt: string;
}
