/**
 * @module The node's own gauges, next to the request metrics the worker threads report: how far
 * the applied configuration trails the store, whether this node is the cluster's ACME leader, and
 * when each certificate it serves expires (Traefik's `traefik_tls_certs_not_after`), open client
 * connections per entry point (Traefik v3's `traefik_open_connections`). All are read
 * at scrape time from the node's state; nothing is kept per request.
 */
import { Gauge, type Registry } from 'prom-client';
import type { CertificateSpec } from '../runtime/snapshot.ts';
import { CertificateFactsCache } from '../tls/certificate-facts.ts';

export interface NodeMetricFacts {
  /** The store provider, when the node reads from etcd or Consul. */
  readonly store?: {
    readonly name: string;
    /** The newest revision the store delivered for the route keys, and whether it is reachable. */
    readonly status: () => { readonly revision: bigint; readonly connected: boolean };
    /** The store revision of the configuration every worker thread serves; undefined before the first. */
    readonly appliedRevision: () => bigint | undefined;
  } | undefined;
  /** Whether this node holds the cluster's leader lock; absent without a store. */
  readonly isLeader?: (() => boolean) | undefined;
  /** The certificates of the applied configuration (from keys and from ACME). */
  readonly certificates: () => readonly CertificateSpec[];
  /** Open client connections by entry point, every thread included. */
  readonly openConnections: () => ReadonlyMap<string, number>;
}

export function registerNodeMetrics(registry: Registry, facts: NodeMetricFacts): void {
  const registers = [registry];
  const store = facts.store;
  if (store !== undefined) {
    const labels = { provider: store.name };
    new Gauge({
      name: 'switchyard_store_revision',
      help: 'Newest store revision delivered to this node for the route keys.',
      labelNames: ['provider'],
      registers,
      collect() {
        this.set(labels, Number(store.status().revision));
      },
    });
    new Gauge({
      name: 'switchyard_store_applied_revision',
      help: 'Store revision of the configuration every worker thread of this node serves.',
      labelNames: ['provider'],
      registers,
      collect() {
        const applied = store.appliedRevision();
        this.reset();
        if (applied !== undefined) this.set(labels, Number(applied));
      },
    });
    new Gauge({
      name: 'switchyard_store_revision_lag',
      help: 'Store revisions delivered to this node but not yet served by all its worker threads (0 when up to date).',
      labelNames: ['provider'],
      registers,
      collect() {
        const delivered = store.status().revision;
        const applied = store.appliedRevision() ?? 0n;
        this.set(labels, Number(delivered > applied ? delivered - applied : 0n));
      },
    });
    new Gauge({
      name: 'switchyard_store_connected',
      help: 'Whether the store is reachable from this node (1) or the node serves its last configuration through an outage (0).',
      labelNames: ['provider'],
      registers,
      collect() {
        this.set(labels, store.status().connected ? 1 : 0);
      },
    });
  }
  const isLeader = facts.isLeader;
  if (isLeader !== undefined) {
    new Gauge({
      name: 'switchyard_cluster_leader',
      help: 'Whether this node holds the cluster leader lock (ACME orders and renewals, session-ticket keys).',
      registers,
      collect() {
        this.set(isLeader() ? 1 : 0);
      },
    });
  }
  new Gauge({
    name: 'traefik_open_connections',
    help: 'How many open connections exist, by entryPoint and protocol',
    labelNames: ['entrypoint', 'protocol'],
    registers,
    collect() {
      this.reset();
      // Every entry point of ours speaks HTTP (TLS or not); Traefik's TCP routers are not supported.
      for (const [entrypoint, open] of facts.openConnections()) this.set({ entrypoint, protocol: 'HTTP' }, open);
    },
  });
  // Certificates that left the configuration leave the cache too.
  const certificates = new CertificateFactsCache();
  new Gauge({
    name: 'traefik_tls_certs_not_after',
    help: 'Certificate expiration timestamp',
    labelNames: ['cn', 'serial', 'sans'],
    registers,
    collect() {
      this.reset();
      // One that does not parse is left out: the TLS layer reports it itself.
      for (const cert of certificates.read(facts.certificates().map((c) => c.certPem))) {
        if (!(cert instanceof Error)) this.set({ cn: cert.cn ?? '', serial: cert.serial, sans: cert.sans.join(',') }, Math.floor(cert.notAfter.getTime() / 1_000));
      }
    },
  });
}
