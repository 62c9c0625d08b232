/**
 * @module A parsed haproxy.cfg → Traefik-layout keys under the rootKey, the entry points they
 * need, and findings. Pure apart from looking at certificate paths: the same file gives the same
 * keys. Order of work: userlists, then every backend (services), then every frontend and listen
 * (entry points and routers, which reference the services), then a sweep that reports whatever
 * no part of the translation read.
 */
import { reportUnconsumed } from './directive-table.ts';
import { EntryPointRegistry, type EntryPointSpec } from './entry-points.ts';
import { Findings, type Finding } from './findings.ts';
import { translateFrontend } from './frontend-routers.ts';
import { KeyBuilder } from './key-builder.ts';
import { translateBackend } from './backend-service.ts';
import type { Directive, HaproxyConfig } from './parse-config.ts';
import { ProxyView } from './proxy-view.ts';
import { TranslationContext } from './translation-context.ts';
import { emptySettingWords, readTlsSetting, writeDefaultTlsOptions, type TlsSettingWords } from './tls-settings.ts';
import { readUserlist, type Userlist } from './userlists.ts';

export interface TranslateOptions {
  readonly rootKey: string;
  /** Names the import (its manifest, its empty 503 service). */
  readonly importName: string;
}

export interface ImportResult {
  /** Every key with its value, sorted by key. */
  readonly keys: ReadonlyMap<string, string>;
  readonly entryPoints: readonly EntryPointSpec[];
  /** `--serversTransport.*=…` flags every node needs for the backends' timeouts and verification. */
  readonly transportFlags: readonly string[];
  readonly findings: readonly Finding[];
  readonly counts: { readonly routers: number; readonly services: number; readonly middlewares: number };
}

export function translateHaproxy(config: HaproxyConfig, options: TranslateOptions): ImportResult {
  const findings = new Findings();
  const consumed = new Set<Directive>();
  const keys = new KeyBuilder(options.rootKey);
  for (const notice of config.notices) findings.add('notice', '', { line: notice.line, words: [] }, notice.message);

  const views = config.sections.map((section) => new ProxyView(section, consumed));
  const global = views.find((v) => v.section.kind === 'global');
  const crtBase = global?.setting('crt-base')?.words[1];

  const userlists = new Map<string, Userlist>();
  for (const view of views.filter((v) => v.section.kind === 'userlist')) userlists.set(view.name, readUserlist(view, findings));

  const backends = new Map(views.filter((v) => v.section.kind === 'backend' || v.section.kind === 'listen').map((v) => [v.name, v]));
  const owners = new Map(views.flatMap((v) => v.section.directives.map((d) => [d, v.label] as const)));
  const tx = new TranslationContext({ importName: options.importName, keys, findings, consumed, crtBase, userlists, backends, owners });
  for (const view of backends.values()) {
    const isListen = view.section.kind === 'listen';
    // A listen section without servers is a frontend only.
    if (isListen && !view.section.directives.some((d) => d.words[0] === 'server' || d.words[0] === 'server-template')) continue;
    tx.services.set(view.name, translateBackend(view, tx));
  }
  const transportFlags = tx.upstreamTransport.resolve(tx);

  const entryPoints = new EntryPointRegistry(global === undefined ? undefined : globalTlsSettings(global, tx));
  for (const view of views.filter((v) => v.section.kind === 'frontend' || v.section.kind === 'listen')) translateFrontend(view, tx, entryPoints);
  writeDefaultTlsOptions(entryPoints.tlsBinds, tx);

  reportUnconsumed(config.sections, consumed, findings);
  return {
    keys: keys.keys(),
    entryPoints: entryPoints.all,
    transportFlags,
    findings: findings.items,
    counts: { routers: keys.count('routers'), services: keys.count('services'), middlewares: keys.count('middlewares') },
  };
}

/** `ssl-default-bind-options|ciphers|ciphersuites|curves`: the defaults of every `ssl` bind. */
function globalTlsSettings(global: ProxyView, tx: TranslationContext): TlsSettingWords | undefined {
  const options = global.setting('ssl-default-bind-options');
  const ciphers = global.setting('ssl-default-bind-ciphers');
  const suites = global.setting('ssl-default-bind-ciphersuites');
  const curves = global.setting('ssl-default-bind-curves');
  const first = options ?? ciphers ?? suites ?? curves;
  if (first === undefined) return undefined;
  const words = emptySettingWords(global, first);
  if (options !== undefined) {
    const list = options.words.slice(1);
    for (let i = 0; i < list.length; i++) {
      const option = list[i]!;
      const withValue = option === 'ssl-min-ver' || option === 'ssl-max-ver';
      const value = withValue ? (list[++i] ?? '') : '';
      if (!readTlsSetting(option, value, words, tx) && option !== 'no-tls-tickets' && option !== 'prefer-client-ciphers') {
        tx.report('deviation', global, options, `${option}: this TLS setting has no equivalent in Traefik's TLS options; the node's default applies`);
      }
    }
  }
  for (const [directive, option] of [[ciphers, 'ciphers'], [suites, 'ciphersuites'], [curves, 'curves']] as const) {
    if (directive === undefined) continue;
    words.source = directive;
    readTlsSetting(option, directive.words[1] ?? '', words, tx);
  }
  words.source = first;
  return words;
}
