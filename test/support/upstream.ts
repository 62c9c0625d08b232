/**
 * @module Test upstreams: real HTTP servers on loopback that record what they received and answer
 * with a label, so tests can tell which server got a request and with which headers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: readonly string[];
}

export interface TestUpstream {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  readonly seen: Seen[];
  /** Replace the request handler (default: 200 with the label as body). */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

/** 200 with the label as the body and in x-upstream. */
export function labelHandler(label: string): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': label });
    res.end(label);
  };
}

export async function startUpstream(label: string): Promise<TestUpstream> {
  const seen: Seen[] = [];
  const upstream = { seen, handler: labelHandler(label) } as TestUpstream;
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    upstream.handler(req, res);
  });
  // Upgraded sockets leave the HTTP server's bookkeeping; close() must still end them.
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  Object.assign(upstream, {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    }),
  });
  return upstream;
}

/** A port nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  // Upgraded sockets leave the HTTP server's bookkeeping; close() must still end them.
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
