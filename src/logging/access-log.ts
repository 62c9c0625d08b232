/**
 * @module The access log: one line per finished request, in Traefik's JSON field names
 * (ClientHost, RequestMethod, DownstreamStatus, Duration in nanoseconds…) or in Traefik's Common
 * Log Format, so existing log pipelines keep their parsers. Off by default; when off, requests carry
 * no hook at all.
 *
 * Settings are checked with the static configuration (status ranges parsed there, errors name the
 * flag), gathered by `accessLogSettings` and travel to the worker threads as plain data. Each thread appends to the same destination (stdout or
 * `filePath`, opened O_APPEND, so lines from threads never interleave inside a line). The log is
 * independent of `--log.level`: turning the node's log down at runtime does not silence it.
 */
import { pino } from 'pino';
import type { StaticConfig } from '../config/static-schema.ts';
import { inRanges, type StatusRanges } from '../middlewares/status-ranges.ts';
import { parseBasic } from '../middlewares/basic-auth.ts';
import { headerValue } from '../proxy/header-list.ts';
import type { RequestContext } from '../proxy/request-context.ts';
import { wirePath } from '../proxy/wire-path.ts';

export interface AccessLogSettings {
  readonly filePath: string | undefined;
  readonly format: 'json' | 'common';
  /** Lines kept in memory before a write (Traefik's bufferingSize); 0 writes each line at once. */
  readonly bufferingSize: number;
  /** Absent: every request is logged. Present: a request is logged when any filter keeps it. */
  readonly filters: AccessLogFilters | undefined;
  /** Requests received by the node since it started, across threads (Traefik's RequestCount). */
  readonly requestCount: SharedArrayBuffer;
}

export interface AccessLogFilters {
  readonly statusCodes: StatusRanges;
  readonly retryAttempts: boolean;
  /** Keep requests that took longer than this; 0 means no duration filter. */
  readonly minDurationMs: number;
}

/** The node's access-log settings from `--accessLog.*`, or undefined when the access log is off. */
export function accessLogSettings(config: StaticConfig['accessLog']): AccessLogSettings | undefined {
  if (config === undefined || config === false) return undefined;
  const section = typeof config === 'object' ? config : {};
  const filters = section.filters;
  return {
    filePath: section.filePath,
    format: section.format ?? 'json',
    bufferingSize: section.bufferingSize ?? 0,
    filters: filters === undefined
      ? undefined
      : {
          statusCodes: filters.statusCodes ?? [],
          retryAttempts: filters.retryAttempts ?? false,
          minDurationMs: filters.minDuration ?? 0,
        },
    requestCount: new SharedArrayBuffer(8),
  };
}

/** Traefik's keepAccessLog: with filters, a request is kept when any of them matches. */
export function keepsRequest(filters: AccessLogFilters | undefined, status: number, retryAttempts: number, durationMs: number): boolean {
  if (filters === undefined) return true;
  // `--accessLog.filters` given with nothing in it filters nothing (Traefik's rule).
  if (filters.statusCodes.length === 0 && !filters.retryAttempts && filters.minDurationMs === 0) return true;
  if (inRanges(filters.statusCodes, status)) return true;
  if (filters.retryAttempts && retryAttempts > 0) return true;
  return filters.minDurationMs > 0 && durationMs > filters.minDurationMs;
}

export interface AccessLogger {
  readonly record: (ctx: RequestContext) => void;
  /** Writes out every buffered line and closes the destination (drain, before the thread ends). */
  close(): Promise<void>;
}

const FLUSH_INTERVAL_MS = 1_000;
/** A drain never hangs on a log destination that cannot be written (a full disk, a stuck pipe). */
const CLOSE_DEADLINE_MS = 2_000;

export function accessLogger(settings: AccessLogSettings, nodeId: string): AccessLogger {
  const destination = pino.destination({ dest: settings.filePath ?? 1, append: true, mkdir: true, sync: false });
  const counter = new BigInt64Array(settings.requestCount);
  const buffer: string[] = [];
  const write = (): void => {
    if (buffer.length === 0) return;
    destination.write(buffer.join(''));
    buffer.length = 0;
  };
  // A buffered line never waits longer than this, however quiet the node is.
  const timer = settings.bufferingSize > 0 ? setInterval(write, FLUSH_INTERVAL_MS).unref() : undefined;
  const format = settings.format === 'common' ? commonLine : jsonLine;
  return {
    record(ctx) {
      const count = Atomics.add(counter, 0, 1n) + 1n;
      const durationMs = performance.now() - ctx.startedAt;
      const status = ctx.res.headersSent ? ctx.res.statusCode : 499;
      if (!keepsRequest(settings.filters, status, ctx.retryAttempts ?? 0, durationMs)) return;
      const line = format(ctx, status, durationMs, count, nodeId);
      if (timer === undefined) destination.write(line);
      else if (buffer.push(line) >= settings.bufferingSize) write();
    },
    close() {
      write();
      clearInterval(timer);
      // end() waits for the file to open, writes what is pending, then closes it (never stdout).
      return new Promise<void>((resolve) => {
        const deadline = setTimeout(resolve, CLOSE_DEADLINE_MS);
        const done = (): void => {
          clearTimeout(deadline);
          resolve();
        };
        destination.once('close', done);
        destination.once('error', done);
        try {
          destination.end();
        } catch {
          done();
        }
      });
    },
  };
}

function jsonLine(ctx: RequestContext, status: number, durationMs: number, count: bigint, nodeId: string): string {
  const start = new Date(Date.now() - durationMs);
  return `${JSON.stringify({
    // pino's numeric info level, like every other line the node writes.
    level: 30,
    time: new Date().toISOString(),
    node: nodeId,
    log: 'access',
    StartUTC: start.toISOString(),
    ClientHost: ctx.clientIp,
    RequestHost: ctx.host,
    RequestMethod: ctx.method,
    RequestPath: ctx.path + ctx.search,
    RequestProtocol: `HTTP/${ctx.req.httpVersion}`,
    RequestScheme: ctx.tls ? 'https' : 'http',
    EntryPointName: ctx.entryPoint,
    RouterName: ctx.routerName,
    ServiceName: ctx.serviceName,
    ServiceURL: ctx.serverUrl,
    OriginStatus: ctx.originStatus,
    DownstreamStatus: status,
    RetryAttempts: ctx.retryAttempts ?? 0,
    RequestCount: Number(count),
    Duration: Math.round(durationMs * 1e6),
  })}\n`;
}

/**
 * Traefik's CLF line: `<client> - <user> [<start>] "<method> <path> <protocol>" <status> <size>
 * "<referer>" "<user-agent>" <request count> "<router>" "<server URL>" <duration>ms`. The response
 * size is not tracked, so it is always `-`. The path is written escaped, as it went upstream: a
 * decoded `%0a` must not start a forged line.
 */
function commonLine(ctx: RequestContext, status: number, durationMs: number, count: bigint): string {
  const start = new Date(Date.now() - durationMs);
  return `${ctx.clientIp || '-'} - ${basicAuthUser(ctx) ?? '-'} [${clfTime(start)}] "${ctx.method} ${wirePath(ctx.path) + ctx.search} HTTP/${ctx.req.httpVersion}" ${status} - ${quoted(headerValue(ctx.rawHeaders, 'referer'))} ${quoted(headerValue(ctx.rawHeaders, 'user-agent'))} ${count} ${quoted(ctx.routerName)} ${quoted(ctx.serverUrl)} ${Math.round(durationMs)}ms\n`;
}

function quoted(value: string | undefined): string {
  return value === undefined || value === '' ? '"-"' : JSON.stringify(value);
}

function basicAuthUser(ctx: RequestContext): string | undefined {
  const user = parseBasic(headerValue(ctx.rawHeaders, 'authorization'))?.user;
  return user === undefined || user === '' ? undefined : user.replace(/[\s"]/g, '_');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's `02/Jan/2006:15:04:05 -0700`, in local time. */
export function clfTime(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${two(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}
