/**
 * @module The node's part in the cluster's certificates: it reads the cluster's ACME state from the
 * store (certificates, challenge answers) for its data planes, and, when resolvers are configured,
 * campaigns for ACME leadership. One object for the node wiring to start, feed and stop.
 */
import type { Logger } from 'pino';
import type { StaticConfig } from '../config/static-schema.ts';
import { SecretBox } from '../cluster/secret-box.ts';
import { StoreProvider } from '../providers/store-provider.ts';
import type { RuntimeView } from '../runtime/build-runtime.ts';
import type { CertificateSpec } from '../runtime/snapshot.ts';
import type { KvStore } from '../stores/store.ts';
import { AcmeLeader } from './acme-leader.ts';
import type { ResolverConfig } from './certificate-manager.ts';
import { ClusterState } from './cluster-state.ts';
import { wantedCertificates } from './wanted-certificates.ts';

export interface ClusterTlsOptions {
  readonly config: StaticConfig;
  readonly store: KvStore;
  readonly rootKey: string;
  readonly nodeId: string;
  readonly logger: Logger;
  /** Called when certificates or challenge answers changed: the node rebuilds its snapshot. */
  readonly onChange: () => void;
  /** Names the flag behind a store error (wrong credentials fail the start, as for the routes). */
  readonly explain: (error: unknown) => Error;
}

export class ClusterTls {
  readonly state: ClusterState;
  readonly #provider: StoreProvider;
  readonly #leader: AcmeLeader;
  #fingerprint = '';

  constructor(options: ClusterTlsOptions) {
    const { config, logger } = options;
    const secret = SecretBox.fromFile(config.cluster.secretFile);
    this.state = new ClusterState(config.cluster.stateKey, secret, logger);
    this.#provider = new StoreProvider({ name: options.store.kind, store: options.store, rootKey: config.cluster.stateKey, logger: logger.child({ scope: 'cluster-state' }), explain: options.explain });
    // Registry records share the prefix and change often; only certificates and challenges matter here.
    this.state.onChange(() => {
      const fingerprint = JSON.stringify([this.state.certificates.map((c) => [c.id, c.notAfter, c.obtainedAt]), [...this.state.challenges], [...this.state.alpnChallenges.keys()], this.state.ticketKeys]);
      if (fingerprint === this.#fingerprint) return;
      this.#fingerprint = fingerprint;
      options.onChange();
    });
    const resolvers = new Map<string, ResolverConfig>();
    for (const [name, { acme }] of Object.entries(config.certificatesResolvers)) {
      resolvers.set(name, { name, email: acme.email, caServer: acme.caServer, keyType: acme.keyType, renewBeforeMs: acme.renewBefore, publishToRootKey: acme.publishToRootKey, challenge: acme.httpChallenge === undefined && acme.tlsChallenge === true ? 'tls-alpn-01' : 'http-01' });
    }
    // Every node campaigns: the leader rotates the shared session-ticket keys, and orders
    // certificates when resolvers are configured.
    this.#leader = new AcmeLeader({
        store: options.store,
        nodeId: options.nodeId,
        stateKey: config.cluster.stateKey,
        rootKey: options.rootKey,
        lockTtlMs: config.cluster.lockTTL,
        resolvers,
        secret,
        state: this.state,
        logger: logger.child({ scope: 'acme' }),
        explain: options.explain,
        ...(process.env.SY_ACME_RETRY_BASE_MS === undefined ? {} : { retryBaseMs: Number(process.env.SY_ACME_RETRY_BASE_MS) }),
      });
  }

  get isLeader(): boolean {
    return this.#leader.isLeader ?? false;
  }

  /** What the snapshot carries: every issued certificate and the pending challenge answers. */
  snapshotPart(): { certificates: CertificateSpec[]; challenges: Record<string, string>; alpnChallenges: Record<string, { certPem: string; keyPem: string }>; ticketKeys: string | undefined } {
    return {
      alpnChallenges: Object.fromEntries(this.state.alpnChallenges),
      ticketKeys: this.state.ticketKeys,
      certificates: this.state.certificates.map((c) => ({ id: c.id, certPem: c.certPem, keyPem: c.keyPem })),
      challenges: Object.fromEntries(this.state.challenges),
    };
  }

  /** After each build: the certificates the routers now want. */
  routersChanged(view: RuntimeView): void {
    this.#leader.setWanted(wantedCertificates(view.tlsRouters));
  }

  async start(): Promise<void> {
    await this.#provider.start(this.state.update);
  }

  startLeadership(): void {
    this.#leader.start();
  }

  async stop(): Promise<void> {
    await this.#leader.stop();
    await this.#provider.stop();
  }
}
