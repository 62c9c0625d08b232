/**
 * @module The access log: one JSON line per finished request with Traefik's field names
 * (ClientHost, RequestMethod, DownstreamStatus, Duration in nanoseconds…), so existing log
 * pipelines keep their parsers. Off by default; when off, requests carry no hook at all.
 */
import type { Logger } from 'pino';
import type { RequestContext } from '../proxy/request-context.ts';

export function accessLogger(logger: Logger): (ctx: RequestContext) => void {
  const log = logger.child({ log: 'access' });
  return (ctx) => {
    const durationNs = Math.round((performance.now() - ctx.startedAt) * 1e6);
    const downstream = ctx.res.headersSent ? ctx.res.statusCode : 499;
    log.info({
      ClientHost: ctx.clientIp,
      RequestHost: ctx.host,
      RequestMethod: ctx.method,
      RequestPath: ctx.path + ctx.search,
      RequestProtocol: `HTTP/${ctx.req.httpVersion}`,
      EntryPointName: ctx.entryPoint,
      RouterName: ctx.routerName,
      ServiceName: ctx.serviceName,
      ServiceURL: ctx.serverUrl,
      OriginStatus: ctx.originStatus,
      DownstreamStatus: downstream,
      Duration: durationNs,
    });
  };
}
