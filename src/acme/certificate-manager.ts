/**
 * @module The ACME leader's work: for every wanted certificate that is missing, or due for renewal
 * (`renewBefore`, with jitter so a fleet's certificates do not all renew at once), run one RFC 8555
 * order with HTTP-01, resumable: the order URL and its key are stored before any challenge, so a
 * new leader continues a dead leader's order instead of ordering twice. Every write is fenced with
 * the leader's token; a refused write means another node leads now, and the work stops at once.
 * Failures back off exponentially per certificate and are recorded for the API.
 */
import type * as Acme from 'acme-client';
import type { Logger } from 'pino';
import { SwitchyardError } from '../errors.ts';
import type { SecretBox } from '../cluster/secret-box.ts';
import type { KvStore, Leadership } from '../stores/store.ts';
import type { ClusterState } from './cluster-state.ts';
import { stateKeys, type StoredCertificate, type StoredStatus } from './state-keys.ts';
import type { CertificateRequest } from './wanted-certificates.ts';

export interface ResolverConfig {
  readonly name: string;
  readonly email: string | undefined;
  readonly caServer: string;
  readonly keyType: 'EC256' | 'EC384' | 'RSA2048' | 'RSA4096';
  readonly renewBeforeMs: number;
  readonly publishToRootKey: boolean;
  /** `httpChallenge` → http-01; `tlsChallenge` alone → tls-alpn-01. */
  readonly challenge: 'http-01' | 'tls-alpn-01';
}

export interface CertificateManagerOptions {
  readonly store: KvStore;
  readonly leadership: Leadership;
  readonly stateKey: string;
  readonly rootKey: string;
  readonly resolvers: ReadonlyMap<string, ResolverConfig>;
  readonly secret: SecretBox;
  readonly state: ClusterState;
  readonly logger: Logger;
  /** First retry delay after a failure (doubles, capped at an hour). */
  readonly retryBaseMs?: number;
}

export class LostLeadershipError extends SwitchyardError {
  constructor(key: string) {
    super('SY_NOT_LEADER', 'a fenced write was refused: another node leads now', key);
    this.name = 'LostLeadershipError';
  }
}

const MAX_BACKOFF_MS = 3_600_000;

export class CertificateManager {
  readonly #o: CertificateManagerOptions;
  readonly #keys: ReturnType<typeof stateKeys>;
  readonly #clients = new Map<string, Acme.Client>();
  readonly #failures = new Map<string, { count: number; next: number }>();

  constructor(options: CertificateManagerOptions) {
    this.#o = options;
    this.#keys = stateKeys(options.stateKey);
  }

  /**
   * One pass over the wanted certificates; returns when each is fine, failed or backing off. With
   * `prune` (the routers were read), the statuses of certificates no router wants any more are
   * deleted, so `status` and /api/cluster stop listing them; the certificates themselves stay (a
   * router naming them again is served at once, as Traefik keeps them in acme.json).
   */
  async reconcile(wanted: ReadonlyMap<string, CertificateRequest>, prune = false): Promise<void> {
    for (const request of wanted.values()) {
      this.#o.leadership.lost.throwIfAborted();
      const resolver = this.#o.resolvers.get(request.resolver);
      if (resolver === undefined) continue;
      if (!this.#due(request, resolver)) continue;
      const failure = this.#failures.get(request.certId);
      if (failure !== undefined && failure.next > Date.now()) continue;
      try {
        await this.#obtainWithAccount(request, resolver);
        this.#failures.delete(request.certId);
        await this.#status(request, null);
      } catch (error) {
        if (error instanceof LostLeadershipError || this.#o.leadership.lost.aborted) throw error;
        const count = (failure?.count ?? 0) + 1;
        const delay = Math.min(MAX_BACKOFF_MS, (this.#o.retryBaseMs ?? 30_000) * 2 ** (count - 1)) * (0.9 + Math.random() * 0.2);
        this.#failures.set(request.certId, { count, next: Date.now() + delay });
        const message = acmeErrorText(error);
        this.#o.logger.error({ certId: request.certId, domains: request.domains, resolver: request.resolver, failures: count, retryInMs: Math.round(delay), error: message }, 'ACME order failed');
        await this.#status(request, message, count, Date.now() + delay).catch(() => {});
      }
    }
    if (!prune) return;
    for (const status of this.#o.state.statuses()) {
      if (wanted.has(status.certId)) continue;
      this.#failures.delete(status.certId);
      if (!(await this.#o.store.guardedDelete(this.#o.leadership, this.#keys.status(status.certId)))) throw new LostLeadershipError(this.#keys.status(status.certId));
    }
  }

  /** The earliest time a wanted certificate needs attention (renewal or retry), for the leader's timer. */
  nextDue(wanted: ReadonlyMap<string, CertificateRequest>): number {
    let next = Number.POSITIVE_INFINITY;
    for (const request of wanted.values()) {
      const failure = this.#failures.get(request.certId);
      if (failure !== undefined) next = Math.min(next, failure.next);
      const cert = this.#o.state.certificate(request.certId);
      const resolver = this.#o.resolvers.get(request.resolver);
      if (cert !== undefined && resolver !== undefined) next = Math.min(next, renewalTime(cert.notAfter, cert.obtainedAt, resolver.renewBeforeMs, request.certId));
    }
    return next;
  }

  #due(request: CertificateRequest, resolver: ResolverConfig): boolean {
    const cert = this.#o.state.certificate(request.certId);
    if (cert === undefined) return true;
    if (!request.domains.every((d) => cert.domains.includes(d))) return true;
    return Date.now() >= renewalTime(cert.notAfter, cert.obtainedAt, resolver.renewBeforeMs, request.certId);
  }

  /**
   * A CA that no longer knows the stored account (its database was reset: a restarted Pebble, a
   * staging wipe) refuses every request with `accountDoesNotExist`; retrying with the same account
   * can never succeed. Register a new one, store it (fenced), and try once more.
   */
  async #obtainWithAccount(request: CertificateRequest, resolver: ResolverConfig): Promise<void> {
    try {
      await this.#obtain(request, resolver);
    } catch (error) {
      if (!isUnknownAccount(error) || this.#o.leadership.lost.aborted) throw error;
      this.#o.logger.warn({ resolver: resolver.name, error: acmeErrorText(error) }, 'the CA does not know the stored ACME account; registering a new one');
      this.#clients.set(resolver.name, await this.#register(resolver));
      await this.#obtain(request, resolver);
    }
  }

  async #obtain(request: CertificateRequest, resolver: ResolverConfig): Promise<void> {
    const acme = await acmeClient();
    const client = await this.#client(resolver);
    const orderKey = this.#keys.order(resolver.name, request.certId);
    let stored = this.#o.state.order(resolver.name, request.certId);
    let order: Acme.Order | undefined;
    if (stored !== undefined && sameNames(stored.domains, request.domains)) {
      // A previous leader's order: continue it (no second order for the same names).
      order = await client.getOrder({ url: stored.url } as Acme.Order).catch(() => undefined);
      if (order === undefined || order.status === 'invalid') order = undefined;
      else this.#o.logger.info({ certId: request.certId, status: order.status }, 'resuming a pending ACME order');
    }
    if (order === undefined) {
      const keyPem = (await privateKey(resolver.keyType)).toString();
      order = await client.createOrder({ identifiers: request.domains.map((value) => ({ type: 'dns', value })) });
      stored = { url: order.url, domains: request.domains, keyPem: this.#o.secret.seal(keyPem), createdAt: new Date().toISOString() };
      await this.#put(orderKey, JSON.stringify(stored));
      this.#o.logger.info({ certId: request.certId, domains: request.domains, order: order.url }, 'ACME order created');
    }
    const keyPem = this.#o.secret.open(stored!.keyPem, orderKey);

    if (order.status === 'pending') {
      for (const authz of await client.getAuthorizations(order)) {
        if (authz.status === 'valid') continue;
        const challenge = authz.challenges.find((c) => c.type === resolver.challenge);
        if (challenge === undefined) throw new SwitchyardError('SY_ACME_CHALLENGE', `the CA offers no ${resolver.challenge} challenge for ${authz.identifier.value}`);
        const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
        let tokenKey: string;
        if (resolver.challenge === 'http-01') {
          tokenKey = this.#keys.http01(challenge.token);
          await this.#put(tokenKey, keyAuthorization);
        } else {
          // RFC 8737: a self-signed certificate for the name carrying the key authorization's digest.
          const [alpnKey, alpnCert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization, await acme.crypto.createPrivateEcdsaKey('P-256'));
          tokenKey = this.#keys.tlsAlpn01(authz.identifier.value.toLowerCase());
          await this.#put(tokenKey, JSON.stringify({ certPem: alpnCert.toString(), keyPem: this.#o.secret.seal(alpnKey.toString()) }));
        }
        // Every node learns the token through its watch within milliseconds; give it a moment.
        await new Promise((r) => setTimeout(r, 250));
        try {
          await client.completeChallenge(challenge);
          await client.waitForValidStatus(challenge);
        } finally {
          await this.#o.store.guardedDelete(this.#o.leadership, tokenKey).catch(() => false);
        }
      }
    }
    if (order.status === 'pending' || order.status === 'ready') {
      const [, csr] = await acme.crypto.createCsr({ commonName: request.domains[0]!, altNames: [...request.domains] }, keyPem);
      order = await client.finalizeOrder(order, csr);
    }
    if (order.status !== 'valid') order = await client.waitForValidStatus(order);
    const certPem = await client.getCertificate(order);
    const info = acme.crypto.readCertificateInfo(certPem);
    const record: StoredCertificate = {
      resolver: resolver.name,
      domains: request.domains,
      certPem,
      keyPem: this.#o.secret.seal(keyPem),
      notAfter: info.notAfter.toISOString(),
      issuer: info.issuer.commonName ?? '',
      obtainedAt: new Date().toISOString(),
      token: String(this.#o.leadership.token),
    };
    await this.#put(this.#keys.certificate(request.certId), JSON.stringify(record));
    await this.#o.store.guardedDelete(this.#o.leadership, orderKey);
    if (resolver.publishToRootKey) {
      const label = `${this.#o.rootKey}/tls/certificates/${request.certId}`;
      await this.#put(`${label}/certFile`, certPem);
      await this.#put(`${label}/keyFile`, keyPem);
    }
    this.#o.logger.info({ certId: request.certId, domains: request.domains, notAfter: record.notAfter }, 'certificate issued and stored');
  }

  async #client(resolver: ResolverConfig): Promise<Acme.Client> {
    const existing = this.#clients.get(resolver.name);
    if (existing !== undefined) return existing;
    const acme = await acmeClient();
    const key = this.#keys.account(resolver.name);
    const raw = (await this.#o.store.list(key)).entries.get(key);
    let client: Acme.Client;
    if (raw !== undefined) {
      const account = JSON.parse(raw) as { url: string; keyPem: string; caServer: string };
      client = new acme.Client({ directoryUrl: resolver.caServer, accountKey: this.#o.secret.open(account.keyPem, key), accountUrl: account.url });
    } else {
      client = await this.#register(resolver);
    }
    this.#clients.set(resolver.name, client);
    return client;
  }

  /** A new account with a new key, stored (fenced) for every later leader. */
  async #register(resolver: ResolverConfig): Promise<Acme.Client> {
    const acme = await acmeClient();
    const accountKey = await acme.crypto.createPrivateEcdsaKey('P-256');
    const client = new acme.Client({ directoryUrl: resolver.caServer, accountKey });
    await client.createAccount({ termsOfServiceAgreed: true, ...(resolver.email === undefined ? {} : { contact: [`mailto:${resolver.email}`] }) });
    await this.#put(this.#keys.account(resolver.name), JSON.stringify({ url: client.getAccountUrl(), keyPem: this.#o.secret.seal(accountKey.toString()), caServer: resolver.caServer }));
    this.#o.logger.info({ resolver: resolver.name, account: client.getAccountUrl() }, 'ACME account created');
    return client;
  }

  async #put(key: string, value: string): Promise<void> {
    if (!(await this.#o.store.guardedPut(this.#o.leadership, key, value))) throw new LostLeadershipError(key);
  }

  async #status(request: CertificateRequest, error: string | null, failures = 0, nextAttempt?: number): Promise<void> {
    const status: StoredStatus = {
      certId: request.certId,
      resolver: request.resolver,
      domains: request.domains,
      lastError: error,
      failures,
      nextAttempt: nextAttempt === undefined ? null : new Date(nextAttempt).toISOString(),
      updatedAt: new Date().toISOString(),
    };
    await this.#o.store.guardedPut(this.#o.leadership, this.#keys.status(request.certId), JSON.stringify(status));
  }
}

/**
 * When to renew: `renewBefore` ahead of expiry, but never later than two thirds into a short-lived
 * certificate's life; minus a stable per-certificate jitter of up to 5 % of that margin.
 */
let loading: Promise<typeof Acme> | undefined;

/**
 * acme-client (with axios and node-forge) is loaded by the first ACME order, not by every node at
 * start: it was ~100 ms of the main thread's start-up (bench/scale.ts), for nodes that mostly never order.
 */
function acmeClient(): Promise<typeof Acme> {
  loading ??= import('acme-client');
  return loading;
}

function renewalTime(notAfter: string, obtainedAt: string, renewBeforeMs: number, certId: string): number {
  const end = Date.parse(notAfter);
  const lifetime = end - Date.parse(obtainedAt);
  const margin = Math.min(renewBeforeMs, Math.max(0, lifetime / 3));
  let hash = 0;
  for (let i = 0; i < certId.length; i++) hash = (hash * 31 + certId.charCodeAt(i)) >>> 0;
  return end - margin - margin * 0.05 * ((hash % 1000) / 1000);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n) => b.includes(n));
}

async function privateKey(type: ResolverConfig['keyType']): Promise<Buffer> {
  const acme = await acmeClient();
  switch (type) {
    case 'EC256':
      return acme.crypto.createPrivateEcdsaKey('P-256');
    case 'EC384':
      return acme.crypto.createPrivateEcdsaKey('P-384');
    case 'RSA2048':
      return acme.crypto.createPrivateRsaKey(2048);
    case 'RSA4096':
      return acme.crypto.createPrivateRsaKey(4096);
  }
}

/** CA problem documents carry `type` and `detail` (rate limits: urn:ietf:params:acme:error:rateLimited). */
/**
 * The CA's `accountDoesNotExist` problem. acme-client keeps only the problem's detail as the error
 * message, so the detail is matched too: Pebble and Boulder say `Account "<url>" not found` (or
 * "No account exists…" for a key they do not know).
 */
export function isUnknownAccount(error: unknown): boolean {
  const e = error as Error & { response?: { data?: { type?: string } } };
  if (e?.response?.data?.type === 'urn:ietf:params:acme:error:accountDoesNotExist') return true;
  return typeof e?.message === 'string' && /accountDoesNotExist|\baccount\b.*\bnot found\b|no account exists/i.test(e.message);
}

function acmeErrorText(error: unknown): string {
  const e = error as Error & { response?: { data?: { type?: string; detail?: string } } };
  const problem = e.response?.data;
  return problem?.detail !== undefined ? `${problem.type ?? 'acme error'}: ${problem.detail}` : e.message;
}
