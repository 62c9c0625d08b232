/**
 * @module What `switchyard status` and /api/cluster show: every registered node with the revision it
 * applied against the store's current one, and the ACME leader once there is one.
 */
import type { KvStore } from '../stores/store.ts';
import { nodesPrefix, type NodeRecord } from './node-registry.ts';
import { stateKeys, type StoredCertificate, type StoredStatus } from '../acme/state-keys.ts';

export interface ClusterNode extends NodeRecord {
  /** Store revisions this node is behind (0 when current). */
  readonly lag: string;
}

export interface ClusterCertificateView {
  readonly id: string;
  /** False for a certificate the routers want whose orders have failed so far: no issuer or expiry yet. */
  readonly issued: boolean;
  /** Null only for a never-issued certificate whose status was written by a leader that did not record it. */
  readonly resolver: string | null;
  readonly domains: readonly string[];
  readonly issuer: string | null;
  readonly notAfter: string | null;
  /** Nodes whose registry record says they serve it. */
  readonly servedBy: readonly string[];
  /** The leader's last ACME error for it, if the last attempt failed. */
  readonly lastError: string | null;
  /** Consecutive failed attempts, and when the leader tries again after the last one. */
  readonly failures: number;
  readonly nextAttempt: string | null;
}

export interface ClusterView {
  readonly certificates: readonly ClusterCertificateView[];
  /** Latest change under the route prefix, what every node should have applied. */
  readonly routesRevision: string;
  readonly nodes: readonly ClusterNode[];
  readonly leader: string | null;
}

export async function readCluster(store: KvStore, stateKey: string, rootKey: string): Promise<ClusterView> {
  const { entries } = await store.list(nodesPrefix(stateKey));
  const revision = (await store.list(`${rootKey}/`)).modRevision;
  const nodes: ClusterNode[] = [];
  for (const value of entries.values()) {
    try {
      const record = JSON.parse(value) as NodeRecord;
      // A delete leaves no mod revision behind, so a node can be ahead of this; that is 0 lag.
      const lag = revision - BigInt(record.appliedRevision || '0');
      nodes.push({ ...record, lag: String(lag < 0n ? 0n : lag) });
    } catch {
      // A record that does not parse is skipped; it will be rewritten by its node.
    }
  }
  nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const keys = stateKeys(stateKey);
  const leader = (await store.readLeader(keys.leaderLock).catch(() => undefined)) ?? null;
  const stored = (await store.list(keys.certificatesPrefix)).entries;
  const statuses = (await store.list(keys.status(''))).entries;
  const certificates: ClusterCertificateView[] = [];
  const statusOf = (id: string): StoredStatus | undefined => {
    const text = statuses.get(keys.status(id));
    try {
      return text === undefined ? undefined : (JSON.parse(text) as StoredStatus);
    } catch {
      return undefined;
    }
  };
  const attempts = (status: StoredStatus | undefined) => ({ lastError: status?.lastError ?? null, failures: status?.failures ?? 0, nextAttempt: status?.nextAttempt ?? null });
  const issuedIds = new Set<string>();
  for (const [key, value] of stored) {
    try {
      const id = key.slice(keys.certificatesPrefix.length);
      const cert = JSON.parse(value) as StoredCertificate;
      issuedIds.add(id);
      certificates.push({
        id,
        issued: true,
        resolver: cert.resolver,
        domains: cert.domains,
        issuer: cert.issuer,
        notAfter: cert.notAfter,
        servedBy: nodes.filter((n) => (n.certificates ?? []).includes(id)).map((n) => n.id),
        ...attempts(statusOf(id)),
      });
    } catch {
      // Skipped: the leader rewrites it on its next pass.
    }
  }
  // Wanted but never issued: only its status says why (a CA that refuses the domain, a challenge
  // that cannot validate), and that is what an operator looking at the cluster needs to see.
  for (const key of statuses.keys()) {
    const status = statusOf(key.slice(keys.status('').length));
    if (status === undefined || status.lastError === null || issuedIds.has(status.certId)) continue;
    certificates.push({ id: status.certId, issued: false, resolver: status.resolver ?? null, domains: status.domains, issuer: null, notAfter: null, servedBy: [], ...attempts(status) });
  }
  return { routesRevision: String(revision), nodes, leader, certificates };
}
