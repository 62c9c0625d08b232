/**
 * @module Single HTTP probes of an etcd member: `/health` on a client URL, `/version` on a peer URL.
 * etcd answers `{"health":"true"}` only when the member has a leader and can serve a read, so this
 * doubles as "the member joined the cluster". With auth enabled etcd 3.4.23 still answers it without
 * credentials; with `--client-cert-auth` it needs the client certificate.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Client TLS material as bytes (what node:https wants). */
export interface TlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Resolves `true` when the member reports healthy, `false` otherwise (refused, timeout, unhealthy). */
export function isHealthy(clientUrl: string, tls: TlsMaterial | undefined, timeoutMs = 1_000): Promise<boolean> {
  return probe(new URL('/health', clientUrl), tls, timeoutMs, (body) => /"health"\s*:\s*"true"/.test(body));
}

/**
 * Resolves `true` once the member's peer listener serves HTTP (`/version` answers 200). A new member
 * serves its peer port only after its bootstrap check of the other peers, so this is the moment the
 * next member can be spawned without stalling on that check (see etcd-cluster.ts).
 */
export function servesPeers(peerUrl: string, timeoutMs = 1_000): Promise<boolean> {
  return probe(new URL('/version', peerUrl), undefined, timeoutMs, () => true);
}

function probe(url: URL, tls: TlsMaterial | undefined, timeoutMs: number, accept: (body: string) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { timeout: timeoutMs, agent: false, ...(tls ?? {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 && accept(body)));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
