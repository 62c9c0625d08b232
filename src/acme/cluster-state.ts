/**
 * @module What every node reads from the cluster's own keys: the certificates the leader issued
 * (private keys opened with the cluster secret) and the HTTP-01 challenge answers, so whichever node
 * the CA reaches can answer, and every node serves every certificate. Fed by a store watch on
 * `stateKey` (the same list-then-watch machinery as the routes).
 */
import type { Logger } from 'pino';
import type { SecretBox } from '../cluster/secret-box.ts';
import type { ProviderUpdate } from '../providers/provider.ts';
import type { CertificateSource } from '../tls/certificate-index.ts';
import { stateKeys, type StoredCertificate, type StoredOrder, type StoredStatus, type StoredTicketKeys } from './state-keys.ts';

export interface ClusterCertificate extends CertificateSource {
  readonly certId: string;
  readonly resolver: string;
  readonly domains: readonly string[];
  readonly notAfter: string;
  readonly issuer: string;
  readonly obtainedAt: string;
}

export class ClusterState {
  readonly #keys: ReturnType<typeof stateKeys>;
  readonly #secret: SecretBox;
  readonly #logger: Logger;
  #entries: ReadonlyMap<string, string> = new Map();
  #certificates: ClusterCertificate[] = [];
  #challenges = new Map<string, string>();
  #alpnChallenges = new Map<string, { certPem: string; keyPem: string }>();
  #ticketKeys: StoredTicketKeys | undefined;
  #openTicketKeys: string | undefined;
  readonly #listeners = new Set<() => void>();

  constructor(stateKey: string, secret: SecretBox, logger: Logger) {
    this.#keys = stateKeys(stateKey);
    this.#secret = secret;
    this.#logger = logger;
  }

  /** The provider callback: the whole state key set, whenever it changes. */
  readonly update = (update: ProviderUpdate): void => {
    this.#entries = new Map(update.entries);
    const certificates: ClusterCertificate[] = [];
    const challenges = new Map<string, string>();
    const alpnChallenges = new Map<string, { certPem: string; keyPem: string }>();
    this.#ticketKeys = undefined;
    this.#openTicketKeys = undefined;
    const tickets = this.#entries.get(this.#keys.ticketKeys);
    if (tickets !== undefined) {
      try {
        this.#ticketKeys = JSON.parse(tickets) as StoredTicketKeys;
        this.#openTicketKeys = this.#secret.open(this.#ticketKeys.keys, this.#keys.ticketKeys);
      } catch (error) {
        this.#logger.error({ key: this.#keys.ticketKeys, error: (error as Error).message }, 'cannot use the session-ticket keys from the store');
      }
    }
    for (const [key, value] of this.#entries) {
      if (key.startsWith(this.#keys.http01Prefix)) challenges.set(key.slice(this.#keys.http01Prefix.length), value);
      else if (key.startsWith(this.#keys.tlsAlpn01Prefix)) {
        try {
          const pair = JSON.parse(value) as { certPem: string; keyPem: string };
          alpnChallenges.set(key.slice(this.#keys.tlsAlpn01Prefix.length), { certPem: pair.certPem, keyPem: this.#secret.open(pair.keyPem, key) });
        } catch (error) {
          this.#logger.error({ key, error: (error as Error).message }, 'cannot use a TLS-ALPN-01 challenge from the store');
        }
      }
      else if (key.startsWith(this.#keys.certificatesPrefix)) {
        try {
          const stored = JSON.parse(value) as StoredCertificate;
          const certId = key.slice(this.#keys.certificatesPrefix.length);
          certificates.push({
            id: `acme:${stored.resolver}:${certId}`,
            certId,
            resolver: stored.resolver,
            domains: stored.domains,
            certPem: stored.certPem,
            keyPem: this.#secret.open(stored.keyPem, key),
            notAfter: stored.notAfter,
            issuer: stored.issuer,
            obtainedAt: stored.obtainedAt,
          });
        } catch (error) {
          this.#logger.error({ key, code: (error as { code?: string }).code, error: (error as Error).message }, 'cannot use a certificate from the store');
        }
      }
    }
    this.#certificates = certificates;
    this.#challenges = challenges;
    this.#alpnChallenges = alpnChallenges;
    for (const listener of this.#listeners) listener();
  };

  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  get certificates(): readonly ClusterCertificate[] {
    return this.#certificates;
  }

  /** token → key authorization, for `/.well-known/acme-challenge/<token>`. */
  get challenges(): ReadonlyMap<string, string> {
    return this.#challenges;
  }

  /** The cluster's session-ticket keys (base64), opened. */
  get ticketKeys(): string | undefined {
    return this.#openTicketKeys;
  }

  /** When the leader last rotated them (ms), or undefined when there are none. */
  get ticketKeysRotatedAt(): number | undefined {
    return this.#ticketKeys === undefined ? undefined : Date.parse(this.#ticketKeys.rotatedAt);
  }

  /** domain → challenge certificate for TLS-ALPN-01 validations. */
  get alpnChallenges(): ReadonlyMap<string, { readonly certPem: string; readonly keyPem: string }> {
    return this.#alpnChallenges;
  }

  certificate(certId: string): ClusterCertificate | undefined {
    return this.#certificates.find((c) => c.certId === certId);
  }

  order(resolver: string, certId: string): StoredOrder | undefined {
    const raw = this.#entries.get(this.#keys.order(resolver, certId));
    return raw === undefined ? undefined : (JSON.parse(raw) as StoredOrder);
  }

  statuses(): StoredStatus[] {
    const out: StoredStatus[] = [];
    const prefix = this.#keys.status('');
    for (const [key, value] of this.#entries) if (key.startsWith(prefix)) out.push(JSON.parse(value) as StoredStatus);
    return out;
  }
}
