/**
 * @module `switchyard status`: the cluster as the store sees it: every registered node, the store
 * revision it applied against the latest route change, the ACME leader, and the ACME certificates
 * (issued ones, and wanted ones whose orders have failed so far, with the error and next attempt).
 */
import { readCluster } from '../cluster/cluster-view.ts';
import { loadStaticConfig } from '../config/static.ts';
import { createLogger } from '../logging/logger.ts';
import { providersOf } from './node.ts';

export async function statusCommand(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const config = loadStaticConfig({ argv: argv.filter((a) => a !== '--json'), env: process.env });
  const { store } = providersOf(config, createLogger('silent', 'status'));
  if (store === undefined) {
    process.stderr.write('switchyard status: needs a store (--providers.etcd.endpoints=… or --providers.consul.endpoints=…)\n');
    return 2;
  }
  try {
    const view = await readCluster(store.store, config.cluster.stateKey, store.rootKey);
    if (json) {
      process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      return 0;
    }
    const rows = [['NODE', 'VERSION', 'APPLIED', 'LAG', 'SOURCE', 'ADDRESSES', 'STARTED']];
    for (const n of view.nodes) rows.push([n.id, n.version, n.appliedRevision, n.lag, n.source, Object.entries(n.addresses).map(([k, v]) => `${k}=${v}`).join(' '), n.startedAt]);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
    process.stdout.write(`store: ${store.store.kind}, latest route revision ${view.routesRevision}\n`);
    process.stdout.write(`ACME leader: ${view.leader ?? 'none'}\n\n${lines.join('\n')}\n`);
    if (view.nodes.length === 0) process.stdout.write('(no node registered)\n');
    if (view.certificates.length > 0) {
      const certRows = [['CERTIFICATE', 'DOMAINS', 'ISSUER', 'EXPIRES', 'SERVED BY', 'LAST ERROR', 'NEXT ATTEMPT']];
      for (const c of view.certificates) certRows.push([c.id, c.domains.join(','), c.issuer ?? '-', c.notAfter ?? 'never issued', c.servedBy.join(',') || '-', c.lastError ?? '-', c.nextAttempt ?? '-']);
      const w = certRows[0]!.map((_, i) => Math.max(...certRows.map((r) => r[i]!.length)));
      process.stdout.write(`\n${certRows.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()).join('\n')}\n`);
    }
    return 0;
  } catch (error) {
    throw store.store.explain(error);
  } finally {
    await store.store.close();
  }
}
