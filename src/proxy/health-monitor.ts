/**
 * @module Active health checks, run by the control plane (never by a data plane, so N threads do
 * not probe N times). One timer per (service, server); a verdict that changes is reported through
 * `onChange`, which the node forwards to its data planes. Checkers survive snapshots that keep the
 * same server and check settings, so a route change does not reset health.
 */
import { request, Agent } from 'undici';
import type { HealthCheckSpec, Snapshot } from '../runtime/snapshot.ts';

export type HealthListener = (service: string, url: string, healthy: boolean) => void;

interface Checker {
  readonly fingerprint: string;
  timer: NodeJS.Timeout | undefined;
  healthy: boolean;
  stopped: boolean;
}

export class HealthMonitor {
  readonly #checkers = new Map<string, Checker>();
  readonly #onChange: HealthListener;
  readonly #agent = new Agent({ keepAliveTimeout: 1_000, connections: 4 });
  #services: Snapshot['services'] | undefined;

  constructor(onChange: HealthListener) {
    this.#onChange = onChange;
  }

  reconcile(snapshot: Snapshot): void {
    // A build that changed no service keeps the same object (runtime/build-runtime.ts): nothing to do.
    if (snapshot.services === this.#services) return;
    this.#services = snapshot.services;
    const wanted = new Map<string, { service: string; url: string; check: HealthCheckSpec }>();
    for (const [service, spec] of Object.entries(snapshot.services)) {
      if (spec.kind !== 'loadBalancer' || spec.healthCheck === undefined) continue;
      for (const server of spec.servers) wanted.set(`${service}\n${server.url}`, { service, url: server.url, check: spec.healthCheck });
    }
    for (const [key, checker] of this.#checkers) {
      const next = wanted.get(key);
      if (next === undefined || JSON.stringify(next.check) !== checker.fingerprint) this.#stop(key, checker, next === undefined);
    }
    for (const [key, { service, url, check }] of wanted) {
      if (this.#checkers.has(key)) continue;
      const checker: Checker = { fingerprint: JSON.stringify(check), timer: undefined, healthy: true, stopped: false };
      this.#checkers.set(key, checker);
      void this.#run(checker, service, url, check);
    }
  }

  /** Current verdicts of one service: url → UP/DOWN (Traefik's serverStatus). */
  serverStatus(service: string): Record<string, 'UP' | 'DOWN'> {
    const out: Record<string, 'UP' | 'DOWN'> = {};
    for (const [key, checker] of this.#checkers) {
      const [name, url] = key.split('\n') as [string, string];
      if (name === service) out[url] = checker.healthy ? 'UP' : 'DOWN';
    }
    return out;
  }

  async close(): Promise<void> {
    for (const [key, checker] of this.#checkers) this.#stop(key, checker, false);
    await this.#agent.close();
  }

  #stop(key: string, checker: Checker, forget: boolean): void {
    checker.stopped = true;
    clearTimeout(checker.timer);
    this.#checkers.delete(key);
    if (forget && !checker.healthy) {
      const [service, url] = key.split('\n') as [string, string];
      this.#onChange(service, url, true);
    }
  }

  async #run(checker: Checker, service: string, url: string, check: HealthCheckSpec): Promise<void> {
    if (checker.stopped) return;
    const healthy = await this.#probe(url, check);
    if (checker.stopped) return;
    if (healthy !== checker.healthy) {
      checker.healthy = healthy;
      this.#onChange(service, url, healthy);
    }
    const wait = healthy ? check.intervalMs : check.unhealthyIntervalMs;
    checker.timer = setTimeout(() => void this.#run(checker, service, url, check), Math.max(wait, 10));
    checker.timer.unref();
  }

  async #probe(serverUrl: string, check: HealthCheckSpec): Promise<boolean> {
    const target = new URL(serverUrl);
    if (check.scheme !== undefined) target.protocol = `${check.scheme}:`;
    if (check.port !== undefined && check.port > 0) target.port = String(check.port);
    const path = check.path.startsWith('/') ? check.path : `/${check.path}`;
    const q = path.indexOf('?');
    target.pathname = q === -1 ? path : path.slice(0, q);
    target.search = q === -1 ? '' : path.slice(q);
    const headers: Record<string, string> = { ...check.headers };
    if (check.hostname !== undefined) headers.host = check.hostname;
    try {
      const response = await request(target, {
        method: check.method as 'GET',
        headers,
        dispatcher: this.#agent,
        headersTimeout: check.timeoutMs,
        bodyTimeout: check.timeoutMs,
        signal: AbortSignal.timeout(check.timeoutMs),
      });
      await response.body.dump();
      const status = response.statusCode;
      return check.status !== 0 ? status === check.status : status >= 200 && status < 400;
    } catch {
      return false;
    }
  }
}
