/**
 * Node's ceiling on these machines: the least a Node proxy can do. Each client connection is
 * paired with one upstream connection and bytes are copied both ways: no HTTP parsing, no routing,
 * no header rewriting, no pooling. bench/throughput.ts runs it under shared/bench/anchors.sh like
 * our node, so our figures can be read against what Node itself allows, throughput and tail alike.
 *
 * It reads into one buffer per direction (`onread`, as our fast path does), so a read allocates no
 * ArrayBuffer; what is written is copied, because a write the kernel does not take at once keeps
 * pointing at its bytes.
 *
 * Usage: node bench/bare-forwarder.ts [listen=127.0.0.1:9104] [upstream=127.0.0.1:9001]
 */
import { connect, createServer, Socket } from 'node:net';

const [listenHost, listenPort] = split(process.argv[2] ?? '127.0.0.1:9104');
const [upstreamHost, upstreamPort] = split(process.argv[3] ?? '127.0.0.1:9001');
const fromClients = Buffer.allocUnsafe(64 * 1024);
const fromUpstreams = Buffer.allocUnsafe(64 * 1024);

const server = createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
  // Move the accepted handle, unread, into a socket that reads into the shared buffer.
  const handle = (accepted as unknown as { _handle: unknown })._handle;
  (accepted as unknown as { _handle: unknown })._handle = null;
  const upstream: Socket = connect({
    host: upstreamHost,
    port: upstreamPort,
    noDelay: true,
    onread: { buffer: fromUpstreams, callback: (n: number, buffer: Uint8Array): boolean => relay(buffer, n, upstream, client) },
  });
  const client = new Socket({ handle, onread: { buffer: fromClients, callback: (n: number, buffer: Uint8Array): boolean => relay(buffer, n, client, upstream) } } as unknown as ConstructorParameters<typeof Socket>[0]);
  client.on('error', () => upstream.destroy()).on('close', () => upstream.destroy());
  upstream.on('error', () => client.destroy()).on('close', () => client.destroy());
  client.resume();
});
server.listen(listenPort, listenHost);
process.on('SIGTERM', () => process.exit(0));

/** Copies what `from` read to `to`; `false` pauses `from` until `to` drains (the onread contract). */
function relay(buffer: Uint8Array, n: number, from: Socket, to: Socket): boolean {
  if (to.write(Buffer.from(buffer.subarray(0, n)))) return true;
  to.once('drain', () => from.resume());
  return false;
}

function split(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}
