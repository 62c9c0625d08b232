/**
 * @module `switchyard import haproxy <haproxy.cfg> [store flags] [--dry-run] [--watch] [--name=<n>]`:
 * translates the file into Traefik-layout keys and writes them to the configured etcd or Consul
 * (replacing what the previous import of the same name wrote), or with --dry-run prints them as one
 * JSON object on stdout. The report (entry-point flags to give every node, then every construct
 * without a faithful translation, and deviations) goes to stderr; exit 3 when anything is
 * unsupported. --watch re-imports whenever the file changes, until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadStaticConfig } from '../config/static.ts';
import { StaticConfigError, SwitchyardError } from '../errors.ts';
import { formatFindings } from '../importers/haproxy/findings.ts';
import { writeImport } from '../importers/haproxy/import-writer.ts';
import { parseHaproxyConfig } from '../importers/haproxy/parse-config.ts';
import { translateHaproxy, type ImportResult } from '../importers/haproxy/translate-haproxy.ts';
import { contentHash, watchFile } from '../importers/haproxy/watch-file.ts';
import { createLogger } from '../logging/logger.ts';
import type { KvStore } from '../stores/store.ts';
import { providersOf } from './node.ts';

export const EXIT_UNSUPPORTED = 3;
const WATCH_DEBOUNCE_MS = 300;

interface ImportFlags {
  readonly file: string;
  readonly dryRun: boolean;
  readonly watch: boolean;
  readonly name: string;
  /** Everything else: static configuration (store flags, --configFile). */
  readonly rest: readonly string[];
}

export async function importCommand(argv: readonly string[]): Promise<number> {
  const flags = parseImportFlags(argv);
  const config = loadStaticConfig({ argv: flags.rest, env: process.env });
  const store = flags.dryRun ? undefined : providersOf(config, createLogger('silent', 'import')).store;
  if (!flags.dryRun && store === undefined) {
    throw new StaticConfigError('import needs a store to write to (--providers.etcd.endpoints=… or --providers.consul.endpoints=…), or --dry-run to print the keys', '--providers.etcd.endpoints');
  }
  const rootKey = config.providers.etcd?.rootKey ?? config.providers.consul?.rootKey ?? 'traefik';
  const target = store === undefined ? undefined : { store: store.store, manifestKey: `${config.cluster.stateKey}/import/haproxy/${flags.name}` };
  const run = (text: string) => importText(text, flags, rootKey, target);

  let text: string;
  try {
    text = readFileSync(flags.file, 'utf8');
  } catch (error) {
    await store?.store.close();
    throw new SwitchyardError('SY_HAPROXY_READ', `cannot read ${flags.file}: ${(error as Error).message}`, flags.file, { cause: error });
  }
  if (!flags.watch) {
    try {
      return await run(text);
    } catch (error) {
      throw error instanceof SwitchyardError || store === undefined ? error : store.store.explain(error);
    } finally {
      await store?.store.close();
    }
  }

  // --watch: a bad version of the file (half-written, or broken) is reported and skipped; the
  // keys of the last good import stay until the generator writes a good one again. The watch
  // starts before the first import so no change is missed; imports run one after the other.
  let last = 0;
  let queue = Promise.resolve();
  const enqueue = (version: string) => {
    queue = queue.then(async () => {
      last = await run(version).catch((error: unknown) => report(error, store?.store));
    });
    return queue;
  };
  const watcher = watchFile(flags.file, enqueue, { debounceMs: WATCH_DEBOUNCE_MS, initialHash: contentHash(text), onError: (error) => report(error, store?.store) });
  await enqueue(text);
  process.stderr.write(`switchyard import haproxy: watching ${flags.file} (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  watcher.close();
  await queue;
  await store?.store.close();
  return last;
}

function parseImportFlags(argv: readonly string[]): ImportFlags {
  const positional: string[] = [];
  const rest: string[] = [];
  let dryRun = false;
  let watch = false;
  let name: string | undefined;
  for (const arg of argv) {
    if (arg === '--dry-run' || arg === '--dryRun') dryRun = true;
    else if (arg === '--watch') watch = true;
    else if (arg.startsWith('--name=')) name = arg.slice('--name='.length);
    else if (arg.startsWith('--')) rest.push(arg);
    else positional.push(arg);
  }
  const [source, file, ...extra] = positional;
  if (source !== 'haproxy') throw new StaticConfigError(`import takes a source type first: "switchyard import haproxy <haproxy.cfg>" (got ${JSON.stringify(source ?? '')})`, 'import');
  if (file === undefined) throw new StaticConfigError('import haproxy needs the path of an haproxy.cfg', 'import haproxy');
  if (extra.length > 0) throw new StaticConfigError(`unexpected argument ${JSON.stringify(extra[0])}: flags take the form --name=value`, extra[0]!);
  name ??= basename(file).replace(/\.[^.]*$/, '') || 'haproxy';
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new StaticConfigError(`--name=${name}: use letters, digits, ".", "_" and "-" only`, '--name');
  return { file, dryRun, watch, name, rest };
}

async function importText(text: string, flags: ImportFlags, rootKey: string, target: { store: KvStore; manifestKey: string } | undefined): Promise<number> {
  const config = parseHaproxyConfig(text, { file: flags.file, env: process.env });
  const result = translateHaproxy(config, { rootKey, importName: flags.name });
  const file = basename(flags.file);
  const lines = summary(flags.file, result);
  lines.push(...formatFindings(file, result.findings));
  const unsupported = result.findings.filter((f) => f.severity === 'unsupported').length;
  const count = (severity: string) => result.findings.filter((f) => f.severity === severity).length;
  lines.push(`${unsupported} unsupported, ${count('deviation')} deviation(s), ${count('notice')} notice(s), ${count('ignored')} ignored`);
  if (target === undefined) {
    process.stderr.write(`${lines.join('\n')}\n`);
    process.stdout.write(`${JSON.stringify(Object.fromEntries(result.keys), null, 2)}\n`);
  } else {
    const written = await writeImport({ store: target.store, rootKey, manifestKey: target.manifestKey, keys: result.keys, source: flags.file });
    lines.push(`${target.store.kind}: ${written.written} key(s) written, ${written.deleted} deleted, ${written.unchanged} unchanged (${written.transactions} transaction(s); owned keys listed under ${target.manifestKey})`);
    process.stderr.write(`${lines.join('\n')}\n`);
  }
  return unsupported > 0 ? EXIT_UNSUPPORTED : 0;
}

function summary(file: string, result: ImportResult): string[] {
  const { routers, services, middlewares } = result.counts;
  const lines = [`switchyard import haproxy: ${file}: ${result.keys.size} keys (${routers} routers, ${services} services, ${middlewares} middlewares)`];
  if (result.entryPoints.length > 0) {
    lines.push('entry points (static configuration: start every node with these flags):');
    for (const ep of result.entryPoints) lines.push(`  --entryPoints.${ep.name}.address=${ep.address}${ep.tls ? '    # TLS' : ''}`);
  }
  if (result.transportFlags.length > 0) {
    lines.push('upstream timeouts and verification (static configuration: start every node with these flags):');
    for (const flag of result.transportFlags) lines.push(`  ${flag}`);
  }
  return lines;
}

/** Prints an error of one --watch round and keeps watching; the exit code if it were the last. */
function report(error: unknown, store: (KvStore & { explain(e: unknown): Error }) | undefined): number {
  const e = error instanceof SwitchyardError ? error : (store?.explain(error) ?? (error as Error));
  const key = e instanceof SwitchyardError && e.key !== undefined ? `${e.key}: ` : '';
  const code = e instanceof SwitchyardError ? ` (${e.code})` : '';
  process.stderr.write(`switchyard import haproxy: ${key}${e.message}${code}; the previous import stays in place\n`);
  return 1;
}
