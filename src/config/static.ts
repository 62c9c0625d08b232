/**
 * @module Loads the static configuration from the YAML file (`--configFile`), `SWITCHYARD_*`
 * environment variables and command-line flags, in that order of precedence (flags win), and
 * validates it. Every problem names the flag, variable or file entry as the user wrote it.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { StaticConfigError } from '../errors.ts';
import { staticConfigSchema, type StaticConfig } from './static-schema.ts';

type Tree = { [key: string]: Tree | string | boolean | number | null | unknown[] };

/** Where each leaf came from, keyed by its canonical dotted path, so errors name the user's spelling. */
type Provenance = Map<string, string>;

export interface StaticSources {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function loadStaticConfig({ argv, env }: StaticSources): StaticConfig {
  const tree: Tree = {};
  const provenance: Provenance = new Map();
  const flags = parseFlags(argv);
  const configFile = flags.get('configfile') ?? env.SWITCHYARD_CONFIGFILE;
  if (configFile !== undefined) mergeFile(tree, provenance, typeof configFile === 'string' ? configFile : configFile.value);
  mergeEnv(tree, provenance, env);
  for (const [lower, flag] of flags) {
    if (lower === 'configfile') continue;
    setPath(tree, provenance, canonicalPath(flag.name.split('.'), `--${flag.name}`), flag.value, `--${flag.name}`);
  }
  const parsed = staticConfigSchema.safeParse(tree);
  if (!parsed.success) throw toStaticError(parsed.error, provenance);
  checkKeyRoots(parsed.data, provenance);
  checkReferences(parsed.data, provenance);
  return parsed.data;
}

/**
 * Options that name another part of the configuration, checked here so every command (run, check,
 * status, import) refuses them with exit 2 before touching a store or a port.
 */
function checkReferences(config: StaticConfig, provenance: Provenance): void {
  const where = (path: string, fallback: string) => provenance.get(path) ?? fallback;
  if (config.providers.etcd !== undefined && config.providers.consul !== undefined) {
    const consul = [...provenance.entries()].find(([path]) => path.startsWith('providers.consul'))?.[1] ?? '--providers.consul';
    throw new StaticConfigError(`${consul}: use either the etcd or the Consul provider, not both`, consul);
  }
  const declared = Object.keys(config.entryPoints).filter((name) => name !== 'traefik');
  // Without entry points the node listens on one named "http" (:80).
  const routing = declared.length === 0 && config.entryPoints['traefik'] === undefined ? ['http'] : declared;
  for (const [name, ep] of Object.entries(config.entryPoints)) {
    const to = ep.http?.redirections?.entryPoint?.to;
    if (to === undefined || config.entryPoints[to] !== undefined) continue;
    const label = where(`entryPoints.${name}.http.redirections.entryPoint.to`, `--entryPoints.${name}.http.redirections.entryPoint.to`);
    throw new StaticConfigError(`${label}: redirects to entry point "${to}", which is not defined (entry points: ${Object.keys(config.entryPoints).join(', ')})`, label);
  }
  for (const [resolver, { acme }] of Object.entries(config.certificatesResolvers)) {
    const target = acme.httpChallenge?.entryPoint;
    if (target === undefined || routing.includes(target)) continue;
    const label = where(`certificatesResolvers.${resolver}.acme.httpChallenge.entryPoint`, `--certificatesResolvers.${resolver}.acme.httpChallenge.entryPoint`);
    throw new StaticConfigError(`${label}: the HTTP-01 challenge is answered on entry point "${target}", which is not defined (entry points: ${routing.join(', ')})`, label);
  }
}

/** A stateKey sharing a text prefix with rootKey would make our own writes fire every node's route watch. */
function checkKeyRoots(config: StaticConfig, provenance: Provenance): void {
  const state = config.cluster.stateKey;
  for (const store of ['etcd', 'consul'] as const) {
    const root = config.providers[store]?.rootKey;
    if (root === undefined) continue;
    if (state.startsWith(root) || root.startsWith(state)) {
      throw new StaticConfigError(
        `cluster.stateKey "${state}" shares a text prefix with providers.${store}.rootKey "${root}": choose a stateKey that neither starts nor is started by the rootKey (default: switchyard)`,
        provenance.get('cluster.stateKey') ?? '--cluster.stateKey',
      );
    }
  }
}

interface Flag { readonly name: string; readonly value: string }

/** `--name=value`, or a bare `--name` meaning true. Keys are compared case-insensitively. */
function parseFlags(argv: readonly string[]): Map<string, Flag> {
  const flags = new Map<string, Flag>();
  for (const arg of argv) {
    if (!arg.startsWith('--') || arg.length === 2) {
      throw new StaticConfigError(`unexpected argument ${JSON.stringify(arg)}: flags take the form --name=value`, arg);
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const value = eq === -1 ? 'true' : arg.slice(eq + 1);
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name)) {
      throw new StaticConfigError(`malformed flag --${name}: expected --section.option=value`, `--${name}`);
    }
    flags.set(name.toLowerCase(), { name, value });
  }
  return flags;
}

function mergeFile(tree: Tree, provenance: Provenance, file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StaticConfigError(`cannot read the static configuration file ${file}: ${(error as Error).message}`, '--configFile', { cause: error });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new StaticConfigError(`${file}: not valid YAML: ${(error as Error).message}`, file, { cause: error });
  }
  if (doc === null || doc === undefined) return;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new StaticConfigError(`${file}: expected a mapping at the top level`, file);
  const walk = (node: unknown, path: string[]): void => {
    if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length > 0) {
      for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
      return;
    }
    const label = `${file}: ${path.join('.')}`;
    const value = node !== null && typeof node === 'object' && !Array.isArray(node) ? {} : (node as Tree[string]);
    setPath(tree, provenance, canonicalPath(path, label), value, label);
  };
  walk(doc, []);
}

/** `SWITCHYARD_ENTRYPOINTS_WEB_ADDRESS=:80` → entryPoints.web.address (names lowercased, as Traefik does). */
function mergeEnv(tree: Tree, provenance: Provenance, env: StaticSources['env']): void {
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith('SWITCHYARD_') || value === undefined || variable === 'SWITCHYARD_CONFIGFILE') continue;
    const tokens = variable.slice('SWITCHYARD_'.length).split('_').filter((t) => t !== '');
    setPath(tree, provenance, canonicalPath(tokens, variable, true), value, variable);
  }
}

/**
 * Maps user-spelled segments onto the schema's camelCase field names, case-insensitively; segments
 * standing for user names (entry points, resolvers) are kept (lowercased for env vars, where case
 * is lost). Env tokens are joined greedily because `_` stands for `.`, and a field never holds one.
 */
function canonicalPath(segments: readonly string[], label: string, fromEnv = false): string[] {
  const out: string[] = [];
  let schema: z.ZodType | undefined = staticConfigSchema;
  for (let i = 0; i < segments.length; i++) {
    const fields = objectFields(schema);
    if (fields !== undefined) {
      const found = matchField(fields, segments, i, fromEnv);
      if (found === undefined) {
        const known = [...fields.keys()].map((k) => fields.get(k)!.name).join(', ');
        const parent = out.length === 0 ? '' : ` under ${out.join('.')}`;
        throw new StaticConfigError(`unknown option ${label}: "${segments[i]}" is not supported${parent} (supported: ${known})`, label);
      }
      out.push(found.name);
      schema = found.schema;
      i += found.consumed - 1;
      continue;
    }
    const record = recordValue(schema);
    if (record !== undefined) {
      out.push(fromEnv ? segments[i]!.toLowerCase() : segments[i]!);
      schema = record;
      continue;
    }
    throw new StaticConfigError(`unknown option ${label}: ${out.join('.')} takes a value, not sub-options`, label);
  }
  return out;
}

interface Field { readonly name: string; readonly schema: z.ZodType }

function matchField(fields: Map<string, Field>, segments: readonly string[], at: number, greedy: boolean) {
  const max = greedy ? segments.length - at : 1;
  for (let n = max; n >= 1; n--) {
    const field = fields.get(segments.slice(at, at + n).join('').toLowerCase());
    if (field !== undefined) return { ...field, consumed: n };
  }
  return undefined;
}

/** Unwraps optional/default/pipe/union layers down to an object schema's fields, if there is one. */
function objectFields(schema: z.ZodType | undefined): Map<string, Field> | undefined {
  const object = findDef(schema, 'object');
  if (object === undefined) return undefined;
  const shape = (object as unknown as { shape: Record<string, z.ZodType> }).shape;
  return new Map(Object.entries(shape).map(([name, s]) => [name.toLowerCase(), { name, schema: s }]));
}

function recordValue(schema: z.ZodType | undefined): z.ZodType | undefined {
  const record = findDef(schema, 'record');
  return record === undefined ? undefined : (record._zod.def as unknown as { valueType: z.ZodType }).valueType;
}

function findDef(schema: z.ZodType | undefined, type: string): z.ZodType | undefined {
  if (schema === undefined) return undefined;
  const def = schema._zod.def as unknown as { type: string; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[] };
  if (def.type === type) return schema;
  if (def.innerType !== undefined) return findDef(def.innerType, type);
  if (def.type === 'pipe' && def.in !== undefined) return findDef(def.in, type);
  if (def.type === 'union' && def.options !== undefined) {
    for (const option of def.options) {
      const found = findDef(option, type);
      if (found !== undefined && Object.keys((found as unknown as { shape?: object }).shape ?? { x: 1 }).length > 0) return found;
    }
  }
  return undefined;
}

function setPath(tree: Tree, provenance: Provenance, path: string[], value: Tree[string], label: string): void {
  let node = tree;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Tree;
  }
  const leaf = path.at(-1);
  if (leaf === undefined) return;
  // A bare presence flag (`--api`) followed by sub-options (`--api.dashboard`) becomes a section.
  if (typeof node[leaf] === 'object' && node[leaf] !== null && !Array.isArray(node[leaf]) && value === 'true') return;
  node[leaf] = value;
  provenance.set(path.join('.'), label);
}

/**
 * A section that is also a switch (`accessLog`, `api`) is a union; when no branch fits, the useful
 * complaint is the one from the branch that got furthest into the value (the section's own schema),
 * not "expected a boolean".
 */
function specificIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
    const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    return specificIssues(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue));
  });
}

function toStaticError(error: z.ZodError, provenance: Provenance): StaticConfigError {
  const problems = specificIssues(error.issues).map((issue) => {
    const path = issue.path.map(String);
    let label: string | undefined;
    for (let n = path.length; n > 0 && label === undefined; n--) label = provenance.get(path.slice(0, n).join('.'));
    label ??= `--${path.join('.')}`;
    if (issue.code === 'unrecognized_keys') return { label, text: `unknown option(s) ${issue.keys.join(', ')}` };
    return { label, text: issue.message };
  });
  const lines = problems.map((p) => `${p.label}: ${p.text}`);
  return new StaticConfigError(lines.join('\n') || 'invalid static configuration', problems[0]?.label ?? '--configFile');
}
