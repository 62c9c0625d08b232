/**
 * @module The proxy's own answers (Traefik's texts and codes): 404 when no router matches, 502 when
 * the upstream fails, 503 when no server is available, 504 when it times out, 400 for a request we
 * refuse to route, 421 when a TLS request's Host asks for other TLS options than its connection's
 * server name (Traefik's SNI check), 499 when the client went away first (logged only).
 */
import type { ResponseWriter } from './request-context.ts';

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  413: 'Request Entity Too Large',
  421: 'Misdirected Request',
  429: 'Too Many Requests',
  404: '404 page not found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function sendError(res: ResponseWriter, status: number, text = STATUS_TEXT[status] ?? 'Error'): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${text}\n`;
  res.writeHead(status, undefined, ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body)), 'x-content-type-options', 'nosniff']);
  res.end(body);
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** The status a failed upstream exchange turns into. */
export function statusForUpstreamError(error: unknown): number {
  const code = (error as { code?: string } | null)?.code;
  return code !== undefined && TIMEOUT_CODES.has(code) ? 504 : 502;
}
