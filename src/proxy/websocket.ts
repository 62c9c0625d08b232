/**
 * @module Upgrade requests (WebSocket): the handshake is forwarded with the usual header rewrite,
 * then the two sockets are joined byte for byte. The upstream's own answer (101, or a refusal)
 * goes back to the client unchanged, so the handshake stays end to end.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Duplex } from 'node:stream';
import { upstreamHeaders } from './forwarded-headers.ts';
import type { RequestContext } from './request-context.ts';
import type { UpstreamServer } from './upstream-server.ts';
import { wirePath } from './wire-path.ts';

export function tunnelUpgrade(ctx: RequestContext, client: Duplex, head: Buffer, server: UpstreamServer, passHostHeader: boolean): void {
  ctx.serverUrl = server.url;
  const headers = upstreamHeaders(ctx.req.rawHeaders, {
    clientIp: ctx.clientIp,
    proto: ctx.tls ? 'wss' : 'ws',
    localPort: ctx.settings.localPort,
    hostOverride: passHostHeader ? undefined : server.host,
    keepUpgrade: true,
  }, ctx.settings.trust);
  let requestHead = `${ctx.method} ${server.pathPrefix}${wirePath(ctx.path)}${ctx.search} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) requestHead += `${headers[i]}: ${headers[i + 1]}\r\n`;
  requestHead += '\r\n';

  const upstream: Socket = server.secure
    ? connectTls({ host: server.hostname, port: server.port, servername: server.hostname, ALPNProtocols: ['http/1.1'] })
    : connectTcp({ host: server.hostname, port: server.port });
  let connected = false;
  upstream.once(server.secure ? 'secureConnect' : 'connect', () => {
    connected = true;
    upstream.setNoDelay(true);
    upstream.write(requestHead);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => {
    if (!connected && client.writable) {
      client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 12\r\nconnection: close\r\n\r\nBad Gateway\n');
    } else client.destroy();
  });
  // As Go's proxy does: when either direction ends, the tunnel is over. Half-open peers would
  // otherwise hold both sockets (and a draining server) forever.
  const endOther = (other: Duplex) => () => {
    other.end();
    setTimeout(() => {
      client.destroy();
      upstream.destroy();
    }, 1_000).unref();
  };
  client.once('end', endOther(upstream));
  upstream.once('end', endOther(client));
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}
