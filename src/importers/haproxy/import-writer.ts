/**
 * @module Writes an import's keys to etcd or Consul and replaces what the previous import of the
 * same name wrote, and nothing else. The keys an import owns are listed in a manifest under the
 * cluster's state key (`<stateKey>/import/haproxy/<name>`, split into parts so a large import stays
 * under Consul's 512 KiB value limit), outside the rootKey, so writing it wakes no node.
 *
 * Only changed keys are written, so re-importing a regenerated but identical file writes nothing.
 * Writes go in transactions of at most the store's limit (etcd 128 operations, Consul 64), never
 * splitting an object between two unless it alone is too big, ordered so that a node reading
 * between two transactions never sees a router pointing at a missing service or middleware:
 * services, transports, middlewares and certificates first, routers last; deletions after all
 * writes, routers first (haproxy-migration.md §3.13). The manifest is widened to old ∪ new before
 * the first write and narrowed to new after the last, so a run that dies midway leaves every key
 * it may have written owned, and the next run cleans up.
 */
import { SwitchyardError } from '../../errors.ts';
import type { KvStore, TxnOp } from '../../stores/store.ts';

export interface WriteOptions {
  readonly store: KvStore;
  readonly rootKey: string;
  /** `<stateKey>/import/haproxy/<name>`. */
  readonly manifestKey: string;
  readonly keys: ReadonlyMap<string, string>;
  /** Recorded in the manifest (the file imported). */
  readonly source: string;
}

export interface WriteResult {
  readonly written: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly transactions: number;
}

interface Manifest {
  readonly version: 1;
  readonly source: string;
  readonly keys: number;
  readonly parts: number;
}

/** One manifest part: far under Consul's 512 KiB value limit. */
const PART_BYTES = 64 * 1024;
/**
 * Bytes of keys and values per transaction: Consul caps a txn request at 512 KiB (txn_max_req_len)
 * and sends values base64-encoded (4/3 larger); etcd's request limit is 1.5 MiB.
 */
const TXN_BYTES = 256 * 1024;
const MAX_CONFLICTS_SHOWN = 10;

/** Which object a key belongs to: `traefik/http/routers/r/rule` → `traefik/http/routers/r/`. */
function objectOf(key: string, rootKey: string): string {
  const rest = key.slice(rootKey.length + 1).split('/');
  // http/<kind>/<name>/…, tls/certificates/<label>/…
  return `${rootKey}/${rest.slice(0, 3).join('/')}/`;
}

/** Writing order of objects: what routers reference comes first. */
function writeRank(object: string, rootKey: string): number {
  const kind = object.slice(rootKey.length + 1).split('/').slice(0, 2).join('/');
  return kind === 'http/routers' ? 2 : kind === 'http/middlewares' ? 1 : 0;
}

export async function writeImport(options: WriteOptions): Promise<WriteResult> {
  const { store, rootKey, manifestKey, keys } = options;
  const current = (await store.list(`${rootKey}/`)).entries;
  const { owned, partKeys } = await readManifest(store, manifestKey);

  const conflicts: string[] = [];
  const objects = new Set([...keys.keys()].map((k) => objectOf(k, rootKey)));
  for (const key of current.keys()) {
    if (!owned.has(key) && !keys.has(key) && objects.has(objectOf(key, rootKey))) conflicts.push(key);
    else if (!owned.has(key) && keys.has(key) && current.get(key) !== keys.get(key)) conflicts.push(key);
  }
  if (conflicts.length > 0) {
    const shown = conflicts.slice(0, MAX_CONFLICTS_SHOWN).join(', ');
    throw new SwitchyardError('SY_IMPORT_CONFLICT', `the import would change keys it did not write: ${shown}${conflicts.length > MAX_CONFLICTS_SHOWN ? ` and ${conflicts.length - MAX_CONFLICTS_SHOWN} more` : ''}. Rename the HAProxy section, remove the hand-written object, or import under another --name`, conflicts[0]);
  }

  const puts = [...keys].filter(([k, v]) => current.get(k) !== v);
  const deletes = [...owned].filter((k) => !keys.has(k));
  const newOwned = [...keys.keys()].sort();
  const oldOwned = [...owned].sort();
  const manifestChanged = JSON.stringify(newOwned) !== JSON.stringify(oldOwned) || (partKeys.length === 0 && newOwned.length > 0);
  const result = { written: puts.length, deleted: deletes.filter((k) => current.has(k)).length, unchanged: keys.size - puts.length };
  if (puts.length === 0 && deletes.length === 0 && !manifestChanged) return { ...result, transactions: 0 };

  const finalManifest = manifestOps(manifestKey, newOwned, partKeys, options.source);
  const putOps = groupByObject(puts.map(([key, value]) => ({ type: 'put', key, value }) as const), rootKey, (a, b) => writeRank(a, rootKey) - writeRank(b, rootKey));
  const deleteOps = groupByObject(deletes.map((key) => ({ type: 'delete', key }) as const), rootKey, (a, b) => writeRank(b, rootKey) - writeRank(a, rootKey));
  const all = [...putOps.flat(), ...deleteOps.flat(), ...finalManifest];
  if (all.length <= store.maxTxnOps && bytesOf(all) <= TXN_BYTES) {
    // Everything at once: nodes see the old configuration, then the new one.
    await store.txn(all);
    return { ...result, transactions: 1 };
  }
  let transactions = 0;
  const union = [...new Set([...oldOwned, ...newOwned])].sort();
  const widened = manifestOps(manifestKey, union, partKeys, options.source);
  for (const batch of batches([widened], store.maxTxnOps)) {
    await store.txn(batch);
    transactions++;
  }
  const widenedParts = widened.filter((op) => op.type === 'put' && op.key !== manifestKey).map((op) => op.key);
  for (const batch of [...batches(putOps, store.maxTxnOps), ...batches(deleteOps, store.maxTxnOps)]) {
    await store.txn(batch);
    transactions++;
  }
  for (const batch of batches([manifestOps(manifestKey, newOwned, widenedParts, options.source)], store.maxTxnOps)) {
    await store.txn(batch);
    transactions++;
  }
  return { ...result, transactions };
}

async function readManifest(store: KvStore, manifestKey: string): Promise<{ owned: Set<string>; partKeys: string[] }> {
  const listed = (await store.list(manifestKey)).entries;
  const header = listed.get(manifestKey);
  const partKeys = [...listed.keys()].filter((k) => k.startsWith(`${manifestKey}/part/`));
  const owned = new Set<string>();
  if (header === undefined) return { owned, partKeys };
  const unreadable = (reason: string, cause?: unknown) =>
    new SwitchyardError('SY_IMPORT_MANIFEST', `the manifest of the previous import cannot be read (${reason}); delete ${manifestKey} and its parts, then import again`, manifestKey, { cause });
  try {
    const manifest = JSON.parse(header) as Manifest;
    for (let i = 0; i < manifest.parts; i++) {
      const part = listed.get(`${manifestKey}/part/${i}`);
      if (part === undefined) throw unreadable(`part ${i} is missing`);
      for (const key of JSON.parse(part) as string[]) owned.add(key);
    }
  } catch (error) {
    throw error instanceof SwitchyardError ? error : unreadable((error as Error).message, error);
  }
  return { owned, partKeys };
}

/** The manifest's puts (header + parts) and the deletion of parts it no longer has. */
function manifestOps(manifestKey: string, owned: readonly string[], previousParts: readonly string[], source: string): TxnOp[] {
  const parts: string[][] = [[]];
  let size = 2;
  for (const key of owned) {
    if (size + key.length + 3 > PART_BYTES && parts.at(-1)!.length > 0) {
      parts.push([]);
      size = 2;
    }
    parts.at(-1)!.push(key);
    size += Buffer.byteLength(key) + 3;
  }
  const ops: TxnOp[] = parts.map((part, i) => ({ type: 'put', key: `${manifestKey}/part/${i}`, value: JSON.stringify(part) }));
  const header: Manifest = { version: 1, source, keys: owned.length, parts: parts.length };
  ops.push({ type: 'put', key: manifestKey, value: JSON.stringify(header) });
  const kept = new Set(ops.map((op) => op.key));
  for (const key of previousParts) if (!kept.has(key)) ops.push({ type: 'delete', key });
  return ops;
}

function groupByObject(ops: readonly TxnOp[], rootKey: string, order: (a: string, b: string) => number): TxnOp[][] {
  const groups = new Map<string, TxnOp[]>();
  for (const op of ops) {
    const object = objectOf(op.key, rootKey);
    const group = groups.get(object) ?? [];
    group.push(op);
    groups.set(object, group);
  }
  return [...groups.entries()].sort(([a], [b]) => order(a, b) || (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}

function opBytes(op: TxnOp): number {
  return op.key.length + (op.type === 'put' ? Buffer.byteLength(op.value) : 0) + 64;
}

function bytesOf(ops: readonly TxnOp[]): number {
  return ops.reduce((n, op) => n + opBytes(op), 0);
}

/**
 * Packs groups into batches of at most `max` operations and TXN_BYTES bytes; a group larger than
 * a batch is split.
 */
function batches(groups: readonly (readonly TxnOp[])[], max: number): TxnOp[][] {
  const out: TxnOp[][] = [];
  let batch: TxnOp[] = [];
  let bytes = 0;
  const flush = () => {
    if (batch.length > 0) out.push(batch);
    batch = [];
    bytes = 0;
  };
  for (const group of groups) {
    if (batch.length + group.length > max || bytes + bytesOf(group) > TXN_BYTES) flush();
    for (const op of group) {
      if (batch.length + 1 > max || bytes + opBytes(op) > TXN_BYTES) flush();
      batch.push(op);
      bytes += opBytes(op);
    }
  }
  flush();
  return out;
}
