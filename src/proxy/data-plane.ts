/**
 * @module A data plane: serves requests from the current snapshot. `apply()` compiles a new
 * snapshot (route tables per entry point, service handlers) off to the side and swaps it in one
 * assignment, so a request routed on the old one finishes on it; pools of servers that stay are
 * reused. `applyDelta()` edits the compiled snapshot in place with only what changed
 * (routing-state.ts). Health updates flip a server's flag in place.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { RuleCache } from '../rules/rule-cache.ts';
import { routingPath } from '../rules/routing-path.ts';
import type { CertificateSpec, Snapshot } from '../runtime/snapshot.ts';
import type { SnapshotDelta } from '../runtime/snapshot-delta.ts';
import { TlsState } from '../tls/tls-state.ts';
import { redirectTo } from './entry-point-redirection.ts';
import { sendError, STATUS_TEXT } from './error-responses.ts';
import type { EntryPointSettings, RequestContext } from './request-context.ts';
import { routingHost } from './request-host.ts';
import { healthKey, LoadBalancerService } from './service-handlers.ts';
import { RoutingState, type CompiledEntryPoint, type RouteTarget } from './routing-state.ts';
import { ChainBuilder } from '../middlewares/chain-builder.ts';
import { TokenTable } from '../middlewares/token-table.ts';
import { UpstreamPools, type UpstreamTimeouts } from './upstream-pools.ts';
import { tunnelUpgrade } from './websocket.ts';
import type { FastPathPlane } from './fast-path/fast-connection.ts';
import { servedByFastPath } from './fast-path/fast-service.ts';
import { FastUpstreams } from './fast-path/upstream-connections.ts';

export type { RouteTarget } from './routing-state.ts';

export interface DataPlaneOptions {
  /** Middleware state shared by the node's worker threads (rateLimit buckets) and their count; absent: private to this plane, one thread. */
  readonly middlewares?: { readonly tokens: SharedArrayBuffer; readonly threads: number } | undefined;
  readonly timeouts: UpstreamTimeouts;
  readonly entryPoints: ReadonlyMap<string, EntryPointSettings>;
  /** Called when a request finished, for the access log; absent means no per-request bookkeeping. */
  readonly onRequestDone?: ((ctx: RequestContext) => void) | undefined;
  /** The node's generated certificate, presented when nothing configured matches. */
  readonly generatedCertificate?: CertificateSpec | undefined;
  /** The node's own session-ticket keys (48 bytes), until the cluster's arrive in a snapshot. */
  readonly ticketKeys?: Buffer | undefined;
  /** Entry-point-wide redirections (`http.redirections.entryPoint`), by entry point. */
  readonly redirections?: ReadonlyMap<string, EntryPointRedirection> | undefined;
}

export interface EntryPointRedirection {
  readonly scheme: string;
  /** The target entry point's port; omitted from the Location when it is the scheme's default. */
  readonly port: number;
  readonly permanent: boolean;
}

const ACME_CHALLENGE_PATH = '/.well-known/acme-challenge/';

const NO_ENTRY_POINT: CompiledEntryPoint | undefined = undefined;
const DEFAULT_SETTINGS: EntryPointSettings = { trust: { insecure: false, trustedIPs: undefined }, localPort: 0 };

export class DataPlane {
  readonly #pools: UpstreamPools;
  readonly #options: DataPlaneOptions;
  readonly #health = new Map<string, boolean>();
  readonly #rules = new RuleCache();
  /** Routers' middleware chains, rebuilt per snapshot; made on the first apply. */
  #chains: ChainBuilder | undefined;
  readonly #tls: TlsState;
  #challenges: Readonly<Record<string, string>> = {};
  /** The compiled snapshot requests are routed on and deltas edit; undefined before the first full snapshot. */
  #routing: RoutingState | undefined;
  /** What the entry points' fast path (src/proxy/fast-path/) asks of this plane. */
  readonly fastPath: FastPathPlane;

  constructor(options: DataPlaneOptions) {
    this.#options = options;
    this.#pools = new UpstreamPools(options.timeouts);
    this.#tls = new TlsState(options.generatedCertificate, options.ticketKeys);
    const done = options.onRequestDone;
    this.fastPath = {
      settings: (entryPoint) => options.entryPoints.get(entryPoint) ?? DEFAULT_SETTINGS,
      route: (ctx) => this.#routeFast(ctx),
      upstreams: new FastUpstreams(options.timeouts),
      requestStarted: () => {},
      requestFinished: done ?? (() => {}),
      extraHeaders: () => '',
      misdirected: (entryPoint, host, socket) => this.#tls.misdirected(entryPoint, host, socket),
      servesUnder: (target, socket) => this.servesUnder(target, socket),
    };
  }

  /** What the entry points' TLS servers use: SNI selection and the context for clients without SNI. */
  get tls(): TlsState {
    return this.#tls;
  }

  get revision(): number {
    return this.#routing?.revision ?? 0;
  }

  apply(snapshot: Snapshot): void {
    const shared = this.#options.middlewares;
    this.#chains ??= new ChainBuilder({ pools: this.#pools, tokens: shared === undefined ? undefined : new TokenTable(shared.tokens), threads: shared?.threads });
    const routing = new RoutingState(snapshot, { build: { pools: this.#pools, health: this.#health }, chains: this.#chains, rules: this.#rules }, this.#routing);
    this.#tls.apply(snapshot.tls);
    this.#challenges = snapshot.tls.challenges;
    this.#routing = routing;
    this.#pools.retain(routing.origins());
  }

  /**
   * Applies what changed since the snapshot this plane serves, in place. False when this plane does
   * not serve the delta's base revision: it needs the full snapshot instead.
   */
  applyDelta(delta: SnapshotDelta): boolean {
    const routing = this.#routing;
    if (routing === undefined || routing.revision !== delta.baseRevision) return false;
    routing.apply(delta);
    if (delta.tls !== undefined) {
      this.#tls.apply(delta.tls);
      this.#challenges = delta.tls.challenges;
    }
    return true;
  }

  /** An active health check's verdict; applies now and to later snapshots with the same server. */
  setServerHealth(service: string, url: string, healthy: boolean): void {
    this.#health.set(healthKey(service, url), healthy);
    const handler = this.#routing?.services.get(service);
    if (handler instanceof LoadBalancerService) for (const s of handler.servers) if (s.url === url) s.healthy = healthy;
  }

  /** Routes and serves one request; returns its context (routing decision included), undefined when refused with 400. */
  handleRequest(entryPoint: string, req: IncomingMessage, res: ServerResponse, tls: boolean): RequestContext | undefined {
    const ctx = this.#context(entryPoint, req, res, tls);
    if (ctx === undefined) return undefined;
    // ACME HTTP-01 answers come first, on every node, whatever the routes and redirections say.
    if (ctx.path.startsWith(ACME_CHALLENGE_PATH) && this.#answerChallenge(ctx)) return ctx;
    if (tls && this.#tls.misdirected(entryPoint, ctx.host, req.socket)) {
      sendError(res, 421);
      return ctx;
    }
    const redirection = tls ? undefined : this.#options.redirections?.get(entryPoint);
    if (redirection !== undefined) {
      redirectTo(ctx, redirection);
      return ctx;
    }
    const target = this.#route(ctx, tls);
    if (target === undefined) {
      sendError(res, 404);
      return ctx;
    }
    if (tls && !this.servesUnder(target, req.socket)) {
      sendError(res, 421);
      return ctx;
    }
    target.service.handle(ctx);
    return ctx;
  }

  handleUpgrade(entryPoint: string, req: IncomingMessage, socket: Duplex, head: Buffer, tls: boolean): void {
    const res = undefined as unknown as ServerResponse;
    const ctx = this.#context(entryPoint, req, res, tls, socket);
    if (ctx === undefined) return;
    if (tls && this.#tls.misdirected(entryPoint, ctx.host, req.socket)) {
      rawError(socket, 421);
      return;
    }
    const target = this.#route(ctx, tls);
    if (tls && target !== undefined && !this.servesUnder(target, req.socket)) {
      rawError(socket, 421);
      return;
    }
    const service = target?.service instanceof LoadBalancerService ? target.service : undefined;
    const server = service?.pick();
    if (service === undefined || server === undefined) {
      rawError(socket, target === undefined ? 404 : 503);
      return;
    }
    tunnelUpgrade(ctx, socket, head, server, service.passHostHeader);
  }

  /**
   * A TLS router serves only requests on connections handshaken under the options it names: its
   * Host() claims pick them by server name, but a rule can match other hosts too (an OR with a
   * path, a negation, a wildcard next to an exact host), and a kept-alive connection can outlive a
   * change of its host's options. Otherwise 421, as for a Host the connection's name does not cover.
   */
  servesUnder(target: RouteTarget, socket: object): boolean {
    return target.tlsOptions === this.#tls.servedUnder(socket);
  }

  #answerChallenge(ctx: RequestContext): boolean {
    const answer = this.#challenges[ctx.path.slice(ACME_CHALLENGE_PATH.length)];
    if (answer === undefined) return false;
    ctx.res.writeHead(200, ['content-type', 'text/plain', 'content-length', String(Buffer.byteLength(answer))]);
    ctx.res.end(answer);
    return true;
  }

  async close(): Promise<void> {
    this.fastPath.upstreams.close();
    await this.#pools.close();
  }

  /**
   * The fast path's routing: null sends the request to the full path (ACME challenges, entry point
   * redirections, routers with middlewares, services the fast path does not serve); undefined is a 404.
   */
  #routeFast(ctx: RequestContext): RouteTarget | undefined | null {
    if (ctx.path.startsWith(ACME_CHALLENGE_PATH)) return null;
    if (!ctx.tls && this.#options.redirections?.get(ctx.entryPoint) !== undefined) return null;
    const target = this.#route(ctx, ctx.tls);
    if (target === undefined) return undefined;
    return servedByFastPath(target.service) ? target : null;
  }

  #route(ctx: RequestContext, tls: boolean): RouteTarget | undefined {
    const ep = this.#routing?.entryPoints.get(ctx.entryPoint) ?? NO_ENTRY_POINT;
    if (ep === undefined) return undefined;
    const match = (tls ? ep.tls : ep.plain).match(ctx);
    if (match === undefined) return undefined;
    ctx.routerName = match.target.routerName;
    ctx.serviceName = match.target.serviceName;
    return match.target;
  }

  #context(entryPoint: string, req: IncomingMessage, res: ServerResponse, tls: boolean, socket?: Duplex): RequestContext | undefined {
    const settings = this.#options.entryPoints.get(entryPoint) ?? DEFAULT_SETTINGS;
    let target = req.url ?? '/';
    let hostHeader = req.headers.host;
    // Go's server (and so Traefik) refuses two Host headers: routing on one while the upstream
    // gets the other would let a client reach a backend through a router meant for another host.
    if (hasDuplicateHost(req.rawHeaders)) {
      if (socket !== undefined) rawError(socket, 400);
      else sendError(res, 400);
      return undefined;
    }
    if (target.charCodeAt(0) !== 47 /* / */) {
      // absolute-form (RFC 9112 §3.2.2): its authority replaces the Host header.
      const absolute = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(target);
      if (absolute === null) {
        if (socket !== undefined) rawError(socket, 400);
        else sendError(res, 400);
        return undefined;
      }
      hostHeader = absolute[1];
      target = absolute[2] === '' ? '/' : absolute[2]!;
    }
    const q = target.indexOf('?');
    const path = routingPath(q === -1 ? target : target.slice(0, q));
    if (path === null) {
      if (socket !== undefined) rawError(socket, 400);
      else sendError(res, 400);
      return undefined;
    }
    // Traefik's entry points wrap Go's http.AllowQuerySemicolons: ';' separates parameters like '&',
    // for the Query matchers and for the upstream alike.
    let rawQuery = q === -1 ? '' : target.slice(q + 1);
    if (rawQuery.includes(';')) rawQuery = rawQuery.replaceAll(';', '&');
    const ctx: RequestContext = {
      req,
      res,
      entryPoint,
      settings,
      tls,
      host: routingHost(hostHeader),
      path,
      method: req.method ?? 'GET',
      rawQuery,
      rawHeaders: req.rawHeaders,
      // A TLS socket over the protocol sniffer's stream knows its address through its parent.
      clientIp: req.socket.remoteAddress ?? (req.socket as { _parent?: { remoteAddress?: string } })._parent?.remoteAddress ?? '',
      search: q === -1 ? '' : `?${rawQuery}`,
      startedAt: performance.now(),
      routerName: undefined,
      serviceName: undefined,
      serverUrl: undefined,
      originStatus: 0,
    };
    const done = this.#options.onRequestDone;
    if (done !== undefined && res !== undefined) res.once('close', () => done(ctx));
    return ctx;
  }
}

function rawError(socket: Duplex, status: number): void {
  const text = STATUS_TEXT[status] ?? 'Bad Gateway';
  socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${text.length + 1}\r\nconnection: close\r\n\r\n${text}\n`);
}

function hasDuplicateHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}
