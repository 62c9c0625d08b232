/**
 * @module `switchyard check`: reads the dynamic configuration once from the configured provider,
 * runs the same decode and compile steps as a node, prints every problem with its key, and exits
 * 1 if there is any (0 when everything would serve).
 */
import { decodeKeyValues } from '../config/decode.ts';
import { loadStaticConfig } from '../config/static.ts';
import { SwitchyardError, type ProblemData } from '../errors.ts';
import { createLogger } from '../logging/logger.ts';
import { FileProvider } from '../providers/file.ts';
import { buildRuntime } from '../runtime/build-runtime.ts';
import { warningCodes } from '../config/key-codes.ts';
import { readPemValue } from '../tls/certificate-pem.ts';
import { STORE_PERMISSION_CODE } from '../stores/permission-denied.ts';
import { API_ENTRY_POINT, providersOf } from './node.ts';

export async function checkCommand(argv: readonly string[]): Promise<number> {
  const config = loadStaticConfig({ argv, env: process.env });
  const { providers, store } = providersOf(config, createLogger('silent', 'check'));
  if (providers.length === 0) {
    process.stderr.write('switchyard check: no provider configured (use --providers.file.filename=… or a store provider)\n');
    return 2;
  }
  const inputs = new Map<string, { decoded: ReturnType<typeof decodeKeyValues>; root: string }>();
  const errors: ProblemData[] = [];
  for (const provider of providers) {
    try {
      let entries: ReadonlyArray<readonly [string, string]>;
      if (provider instanceof FileProvider) entries = (await provider.read()).entries;
      else if (store !== undefined && provider === store.provider) {
        const listed = await store.store.list(`${store.rootKey}/`);
        // `/traefik/…` keys are only looked at to warn about them (Traefik never reads them): a user
        // allowed to read the rootKey alone (as Traefik is usually given) is enough for `check`.
        const slashed = await store.store.list(`/${store.rootKey}/`).catch((error: unknown) => {
          const explained = store.store.explain(error);
          if (explained instanceof SwitchyardError && explained.code === STORE_PERMISSION_CODE) return { entries: new Map<string, string>() };
          throw error;
        });
        entries = [...listed.entries, ...slashed.entries];
      } else continue;
      inputs.set(provider.name, { decoded: decodeKeyValues(entries, provider.root), root: provider.root });
    } catch (error) {
      if (store !== undefined && provider === store.provider) {
        await store.store.close();
        throw store.store.explain(error);
      }
      const e = error as { code?: string; message: string; key?: string };
      errors.push({ code: e.code ?? 'SY_FILE_READ', key: e.key ?? provider.root, message: e.message });
    }
  }
  await store?.store.close();
  const declared = Object.keys(config.entryPoints).filter((n) => n !== API_ENTRY_POINT);
  // Without entry points in the static configuration, any name a router uses is taken as valid.
  const used = new Set<string>(declared);
  if (declared.length === 0) {
    used.add('(default)');
    for (const { decoded } of inputs.values()) for (const r of decoded.routers.values()) for (const ep of r.value?.entryPoints ?? []) used.add(ep);
  }
  const defaults = declared.length === 0 ? ['(default)'] : declared;
  const { view } = buildRuntime({ revision: 1, providers: inputs, entryPoints: [...used], defaultEntryPoints: defaults, defaultRuleSyntax: config.core.defaultRuleSyntax, readPem: readPemValue });

  const warnings: ProblemData[] = [];
  for (const p of view.problems) (warningCodes.has(p.code) ? warnings : errors).push(p);
  for (const kind of ['routers', 'services', 'middlewares'] as const) {
    for (const info of view[kind].values()) for (const e of info.errors) (info.status === 'disabled' ? errors : warnings).push(e);
  }
  const byKey = (a: ProblemData, b: ProblemData) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0);
  for (const e of errors.sort(byKey)) process.stdout.write(`error   ${e.key ?? '-'}: ${e.message} (${e.code})\n`);
  for (const w of warnings.sort(byKey)) process.stdout.write(`warning ${w.key ?? '-'}: ${w.message} (${w.code})\n`);
  const enabled = [...view.routers.values()].filter((r) => r.status !== 'disabled').length;
  process.stdout.write(`${view.routers.size} routers (${enabled} would serve), ${view.services.size} services, ${view.middlewares.size} middlewares: ${errors.length} error(s), ${warnings.length} warning(s)\n`);
  return errors.length > 0 ? 1 : 0;
}
