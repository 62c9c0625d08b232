/**
 * @module The control plane of one node: takes every provider's key set, decodes it, builds the
 * runtime view and the snapshot, and hands the snapshot on. Bursts of updates inside the throttle
 * window (`providersThrottleDuration`) become one build; the latest keys always win.
 */
import type { Logger } from 'pino';
import { IncrementalDecoder } from '../config/incremental-decode.ts';
import type { DecodeResult } from '../config/dynamic.ts';
import type { ConfigProvider, ProviderUpdate } from '../providers/provider.ts';
import { RuntimeBuilder, type RuntimeView } from './build-runtime.ts';
import { RuleCache } from '../rules/rule-cache.ts';
import type { CertificateSpec, Snapshot } from './snapshot.ts';
import { readFileSync } from 'node:fs';
import { SwitchyardError } from '../errors.ts';

/** Traefik's FileOrContent: a value that is not PEM is a path on this node. */
function readPem(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SwitchyardError('SY_TLS_CERTIFICATE', `neither PEM nor a readable file: ${(error as Error).message}`, key, { cause: error });
  }
}

export interface ControlPlaneOptions {
  readonly providers: readonly ConfigProvider[];
  readonly entryPoints: readonly string[];
  readonly defaultEntryPoints: readonly string[];
  readonly defaultRuleSyntax: 'v2' | 'v3';
  readonly throttleMs: number;
  readonly logger: Logger;
  readonly onSnapshot: (snapshot: Snapshot, view: RuntimeView) => void;
  /** The certificate resolvers this node has (`--certificatesResolvers.<name>`); absent: not checked. */
  readonly resolvers?: ReadonlySet<string> | undefined;
  /** Certificates and challenge answers from the cluster's ACME state, when the node has a store. */
  readonly cluster?: (() => { readonly certificates: readonly CertificateSpec[]; readonly challenges: Readonly<Record<string, string>>; readonly alpnChallenges?: Readonly<Record<string, { readonly certPem: string; readonly keyPem: string }>>; readonly ticketKeys?: string | undefined }) | undefined;
}

export class ControlPlane {
  readonly #options: ControlPlaneOptions;
  /** Problems logged so far (signature → its report), so a standing one is not logged again. */
  #logged = new Map<string, { readonly report: () => void; readonly fields: object }>();
  readonly #latest = new Map<string, { decoded: DecodeResult; root: string; revision: number }>();
  #timer: NodeJS.Timeout | undefined;
  #revision = 0;
  #view: RuntimeView = { revision: 0, tlsRouters: [], routers: new Map(), services: new Map(), middlewares: new Map(), problems: [] };
  #lastReload = { at: 0, success: true };
  readonly #ruleCache = new RuleCache();
  /** Keeps the last build, so a change to a few routers patches it instead of building 10,000 again. */
  readonly #builder = new RuntimeBuilder();
  readonly #decoders = new Map<string, IncrementalDecoder>();

  constructor(options: ControlPlaneOptions) {
    this.#options = options;
  }

  get view(): RuntimeView {
    return this.#view;
  }

  get lastReload(): { readonly at: number; readonly success: boolean } {
    return this.#lastReload;
  }

  /** Resolves once every provider delivered its first key set and that configuration is applied. */
  async start(): Promise<void> {
    for (const provider of this.#options.providers) {
      await provider.start((update) => this.#onUpdate(provider, update));
    }
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#build();
    }
  }

  /** Rebuilds now from the latest keys: the cluster's certificates or challenges changed. */
  refresh(): void {
    if (this.#timer !== undefined || this.#latest.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#build();
    }, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    await Promise.allSettled(this.#options.providers.map((p) => p.stop()));
  }

  #onUpdate(provider: ConfigProvider, update: ProviderUpdate): void {
    let decoder = this.#decoders.get(provider.name);
    if (decoder === undefined) this.#decoders.set(provider.name, (decoder = new IncrementalDecoder(provider.root)));
    const decoded = decoder.decode(update.entries);
    this.#latest.set(provider.name, { decoded, root: provider.root, revision: update.revision });
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#build();
    }, this.#options.throttleMs);
  }

  #build(): void {
    this.#revision += 1;
    try {
      const { view, snapshot } = this.#builder.build({
        revision: this.#revision,
        providers: this.#latest,
        changes: new Map([...this.#decoders].map(([name, decoder]) => [name, decoder.takeChanges()])),
        entryPoints: this.#options.entryPoints,
        defaultEntryPoints: this.#options.defaultEntryPoints,
        defaultRuleSyntax: this.#options.defaultRuleSyntax,
        ruleCache: this.#ruleCache,
        readPem,
        cluster: this.#options.cluster?.(),
        resolvers: this.#options.resolvers,
      });
      this.#view = view;
      this.#lastReload = { at: Date.now(), success: true };
      this.#logProblems(view);
      this.#options.onSnapshot(snapshot, view);
    } catch (error) {
      this.#lastReload = { at: Date.now(), success: false };
      // Whatever it patched half-way is not trusted: the next build starts from scratch.
      this.#builder.reset();
      this.#options.logger.error({ err: error }, 'configuration build failed; keeping the last applied configuration');
    }
  }

  /**
   * Logs each problem once, when it appears, and once more when it is gone: a standing error is not
   * repeated at every change (the API and `check` list it for as long as it stands). An object that
   * still serves (status `warning`) is logged as a warning, one it disables as an error.
   */
  #logProblems(view: RuntimeView): void {
    const log = this.#options.logger;
    const standing = new Map<string, { readonly report: () => void; readonly fields: object }>();
    for (const p of view.problems) {
      const fields = { code: p.code, key: p.key };
      standing.set(`p\0${p.code}\0${p.key}\0${p.message}`, { fields, report: () => log.warn(fields, p.message) });
    }
    for (const kind of ['routers', 'services', 'middlewares'] as const) {
      for (const info of view[kind].values()) {
        for (const e of info.errors) {
          const fields = { code: e.code, key: e.key, [kind.slice(0, -1)]: info.name, status: info.status };
          const report = (): void => void (info.status === 'disabled' ? log.error(fields, e.message) : log.warn(fields, e.message));
          standing.set(`${kind}\0${info.name}\0${e.code}\0${e.key}\0${e.message}\0${info.status}`, { fields, report });
        }
      }
    }
    for (const [signature, { report }] of standing) if (!this.#logged.has(signature)) report();
    for (const [signature, { fields }] of this.#logged) if (!standing.has(signature)) log.info(fields, 'problem resolved');
    this.#logged = standing;
    const enabled = [...view.routers.values()].filter((r) => r.status !== 'disabled').length;
    log.info({ revision: view.revision, routers: view.routers.size, enabled }, 'configuration applied');
  }
}
