/** @module Shared by the importer tests: translate a config text and read routers back in order. */

import { parseHaproxyConfig } from '../../../src/importers/haproxy/parse-config.ts';
import { translateHaproxy, type ImportResult } from '../../../src/importers/haproxy/translate-haproxy.ts';

export function translate(text: string, options: { importName?: string; rootKey?: string; env?: Record<string, string> } = {}): ImportResult {
  const config = parseHaproxyConfig(text, { file: 'haproxy.cfg', env: options.env ?? {} });
  return translateHaproxy(config, { rootKey: options.rootKey ?? 'traefik', importName: options.importName ?? 'haproxy' });
}

export interface RouterRow {
  readonly name: string;
  readonly rule: string;
  readonly priority: number;
  readonly service: string;
  readonly middlewares: string[];
  readonly entryPoints: string[];
  readonly tls: boolean;
}

/** Routers from the keys, highest priority first (the order a node tries them). */
export function routers(keys: ReadonlyMap<string, string>, rootKey = 'traefik'): RouterRow[] {
  const rows = new Map<string, { rule?: string; priority?: number; service?: string; middlewares: string[]; entryPoints: string[]; tls: boolean }>();
  const prefix = `${rootKey}/http/routers/`;
  for (const [key, value] of keys) {
    if (!key.startsWith(prefix)) continue;
    const [name = '', field = '', index] = key.slice(prefix.length).split('/');
    const row = rows.get(name) ?? { middlewares: [], entryPoints: [], tls: false };
    rows.set(name, row);
    if (field === 'rule') row.rule = value;
    else if (field === 'priority') row.priority = Number(value);
    else if (field === 'service') row.service = value;
    else if (field === 'tls') row.tls = value === 'true';
    else if (field === 'middlewares') row.middlewares[Number(index)] = value;
    else if (field === 'entryPoints') row.entryPoints[Number(index)] = value;
  }
  return [...rows.entries()]
    .map(([name, r]) => ({ name, rule: r.rule ?? '', priority: r.priority ?? 0, service: r.service ?? '', middlewares: r.middlewares, entryPoints: r.entryPoints, tls: r.tls }))
    .sort((a, b) => b.priority - a.priority);
}

/** `[rule, service]` pairs of one entry point's routers, in priority order. */
export function routeTable(keys: ReadonlyMap<string, string>, entryPoint: string): [string, string][] {
  return routers(keys).filter((r) => r.entryPoints.includes(entryPoint)).map((r) => [r.rule, r.service]);
}

/** Findings as `severity line` strings, for assertions that do not depend on wording. */
export function findingLines(result: ImportResult, severity: string): number[] {
  return result.findings.filter((f) => f.severity === severity).map((f) => f.line);
}

export const DEFAULTS = ['defaults', '  mode http', '  timeout connect 5s', '  timeout client 5s', '  timeout server 5s'].join('\n');
