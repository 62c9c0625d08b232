/**
 * @module What changed between two snapshots: routers per entry point, services and middlewares
 * upserted or removed by name, and the TLS section when it changed. The data planes apply it to the
 * snapshot they hold (its revision must be `baseRevision`); with 10,000 routers one change is a few
 * hundred bytes instead of megabytes of JSON to write, copy, parse and compile again.
 *
 * Objects the compile step kept from one build to the next are the same objects, so most are told
 * apart by identity; the rest are compared by value.
 */
import type { EntryPointRoutes, MiddlewareSpec, RouterSpec, ServiceSpec, Snapshot, TlsSpec } from './snapshot.ts';

export interface SnapshotDelta {
  readonly baseRevision: number;
  readonly revision: number;
  readonly entryPoints: Readonly<Record<string, { readonly upsert: readonly RouterSpec[]; readonly remove: readonly string[] }>>;
  readonly services: NamedChanges<ServiceSpec>;
  readonly middlewares: NamedChanges<MiddlewareSpec>;
  /** The whole TLS section, only when it changed. */
  readonly tls: TlsSpec | undefined;
}

export interface NamedChanges<T> {
  readonly upsert: Readonly<Record<string, T>>;
  readonly remove: readonly string[];
}

/** Router lists by name, kept per list: the next diff reads the previous snapshot's index again. */
const routerIndexes = new WeakMap<readonly RouterSpec[], ReadonlyMap<string, RouterSpec>>();

export function routersByName(routers: readonly RouterSpec[]): ReadonlyMap<string, RouterSpec> {
  let index = routerIndexes.get(routers);
  if (index === undefined) {
    const built = new Map<string, RouterSpec>();
    for (const router of routers) built.set(router.name, router);
    routerIndexes.set(routers, (index = built));
  }
  return index;
}

/** Deltas the compile step wrote down as it made `next` from `base` (it knows what it changed). */
const notes = new WeakMap<Snapshot, { readonly base: Snapshot; readonly delta: SnapshotDelta }>();

/** Records that `delta` leads from `base` to `next`, so diffing the two costs nothing. */
export function noteDelta(base: Snapshot, next: Snapshot, delta: SnapshotDelta): void {
  notes.set(next, { base, delta });
}

export function diffSnapshots(base: Snapshot, next: Snapshot): SnapshotDelta {
  const note = notes.get(next);
  if (note !== undefined && note.base === base) return note.delta;
  const entryPoints: Record<string, { upsert: RouterSpec[]; remove: string[] }> = {};
  for (const name of new Set([...Object.keys(base.entryPoints), ...Object.keys(next.entryPoints)])) {
    const before = base.entryPoints[name];
    const after = next.entryPoints[name];
    if (before?.routers === after?.routers) continue;
    const changes = diffRouters(before, after);
    if (changes.upsert.length > 0 || changes.remove.length > 0) entryPoints[name] = changes;
  }
  return {
    baseRevision: base.revision,
    revision: next.revision,
    entryPoints,
    services: diffRecords(base.services, next.services),
    middlewares: diffRecords(base.middlewares, next.middlewares),
    tls: base.tls === next.tls || JSON.stringify(base.tls) === JSON.stringify(next.tls) ? undefined : next.tls,
  };
}

/** True when the delta carries nothing (a rebuild that changed nothing the data planes serve). */
export function isEmptyDelta(delta: SnapshotDelta): boolean {
  return Object.keys(delta.entryPoints).length === 0
    && delta.tls === undefined
    && delta.services.remove.length === 0 && delta.middlewares.remove.length === 0
    && isEmpty(delta.services.upsert) && isEmpty(delta.middlewares.upsert);
}

/** The snapshot `delta` leads to from `base`: what a data plane that applied it whole would hold. */
export function applySnapshotDelta(base: Snapshot, delta: SnapshotDelta): Snapshot {
  const entryPoints: Record<string, EntryPointRoutes> = { ...base.entryPoints };
  for (const [name, { upsert, remove }] of Object.entries(delta.entryPoints)) {
    const routers = new Map(routersByName(base.entryPoints[name]?.routers ?? []));
    for (const removed of remove) routers.delete(removed);
    for (const router of upsert) routers.set(router.name, router);
    entryPoints[name] = { routers: [...routers.values()] };
  }
  return {
    revision: delta.revision,
    entryPoints,
    services: patchRecord(base.services, delta.services),
    middlewares: patchRecord(base.middlewares, delta.middlewares),
    tls: delta.tls ?? base.tls,
  };
}

function diffRouters(before: EntryPointRoutes | undefined, after: EntryPointRoutes | undefined): { upsert: RouterSpec[]; remove: string[] } {
  const old = routersByName(before?.routers ?? []);
  const now = routersByName(after?.routers ?? []);
  const upsert: RouterSpec[] = [];
  const remove: string[] = [];
  for (const [name, router] of now) {
    const previous = old.get(name);
    if (previous === undefined || !sameRouter(previous, router)) upsert.push(router);
  }
  for (const name of old.keys()) if (!now.has(name)) remove.push(name);
  return { upsert, remove };
}

function sameRouter(a: RouterSpec, b: RouterSpec): boolean {
  if (a === b) return true;
  return a.name === b.name && a.rule === b.rule && a.syntax === b.syntax && a.priority === b.priority && a.service === b.service && a.tls === b.tls && a.tlsOptions === b.tlsOptions
    && a.middlewares.length === b.middlewares.length && a.middlewares.every((m, i) => m === b.middlewares[i]);
}

function diffRecords<T>(before: Readonly<Record<string, T>>, after: Readonly<Record<string, T>>): NamedChanges<T> {
  if (before === after) return { upsert: {}, remove: [] };
  const upsert: Record<string, T> = {};
  const remove: string[] = [];
  for (const name in after) {
    const previous = before[name];
    const value = after[name]!;
    if (previous === value) continue;
    if (previous === undefined || JSON.stringify(previous) !== JSON.stringify(value)) upsert[name] = value;
  }
  for (const name in before) if (!(name in after)) remove.push(name);
  return { upsert, remove };
}

export function patchRecord<T>(base: Readonly<Record<string, T>>, changes: NamedChanges<T>): Record<string, T> {
  const out: Record<string, T> = { ...base };
  for (const name of changes.remove) delete out[name];
  Object.assign(out, changes.upsert);
  return out;
}

export function isEmpty(record: Readonly<Record<string, unknown>>): boolean {
  for (const _ in record) return false;
  return true;
}
