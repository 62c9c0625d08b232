/**
 * @module The demo upstream `switchyard run --demo` starts beside the node, so the embedded example
 * configuration has something to proxy to: it answers with what it received.
 */
import { createServer } from 'node:http';
import { parseListenAddress } from '../proxy/entry-point.ts';

export async function startDemoUpstream(address: string): Promise<{ address: string; close(): Promise<void> }> {
  const { host, port } = parseListenAddress(address);
  const server = createServer((req, res) => {
    const body = JSON.stringify({
      message: 'Hello from the Switchyard demo upstream',
      method: req.method,
      url: req.url,
      host: req.headers.host,
      forwardedFor: req.headers['x-forwarded-for'],
      forwardedHost: req.headers['x-forwarded-host'],
    }, null, 2);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) + 1 });
    res.end(`${body}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => resolve());
  });
  return {
    address,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
