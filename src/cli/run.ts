/**
 * @module `switchyard run`: loads the static configuration, starts a node, and drains it on
 * SIGTERM/SIGINT (in-flight requests finish within the grace period), exiting 0.
 */
import { loadStaticConfig } from '../config/static.ts';
import { createLogger } from '../logging/logger.ts';
import { parseListenAddress } from '../proxy/entry-point.ts';
import { startDemoUpstream } from './demo-upstream.ts';
import { API_ENTRY_POINT, nodeIdOf, startNode } from './node.ts';

export async function runCommand(argv: readonly string[]): Promise<number> {
  const config = loadStaticConfig({ argv, env: process.env });
  const logger = createLogger(config.log.level, nodeIdOf(config));
  const demo = config.demo === undefined || config.demo === false ? undefined : await startDemoUpstream(config.demo === true ? '127.0.0.1:9101' : config.demo.address);
  const node = await startNode(config, logger);
  if (demo !== undefined) printDemoHelp(node.ports, demo.address, config.entryPoints);

  const grace = Object.values(config.entryPoints).reduce((max, ep) => Math.max(max, ep.transport?.lifeCycle?.graceTimeOut ?? 10_000), 0) || 10_000;
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal, graceMs: grace }, 'shutting down: draining in-flight requests');
      process.off('SIGTERM', shutdown);
      process.off('SIGINT', shutdown);
      void node.stop(grace).then(async () => {
        await demo?.close();
        logger.info('stopped');
        resolve();
      });
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
  });
  return 0;
}

function printDemoHelp(ports: ReadonlyMap<string, number>, upstream: string, entryPoints: Record<string, { address: string }>): void {
  const lines = ['', `Switchyard demo: the demo upstream listens on ${upstream}.`, 'Try:'];
  for (const [name, port] of ports) {
    const host = parseListenAddress(entryPoints[name]?.address ?? '').host ?? '127.0.0.1';
    const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (name === API_ENTRY_POINT) lines.push(`  curl ${base}/ping`, `  curl ${base}/api/http/routers`, `  open ${base}/dashboard/ in a browser`);
    else lines.push(`  curl -H 'Host: demo.localhost' ${base}/`, `  curl ${base}/hello`);
  }
  lines.push('Edit examples/dynamic.yaml: changes apply without a restart. Ctrl-C stops.', '');
  process.stderr.write(`${lines.join('\n')}\n`);
}
