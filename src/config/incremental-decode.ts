/**
 * @module Decoding that only redoes what changed. Keys are grouped by the object they belong to
 * (`http/routers/<name>`, `tls/certificates/<label>`…, names lower-cased because Traefik merges
 * names that differ only by case); a group whose keys and values are unchanged keeps its decoded
 * result. With 10,000 routers a one-key change re-decodes one object instead of 30,000 keys
 * (bench/scale.ts). Results are those of `decodeKeyValues` on the whole set, object by object.
 */
import type { ProblemData } from '../errors.ts';
import { compareBytes } from './byte-order.ts';
import { decodeKeyValues } from './decode.ts';
import type { DecodeResult } from './dynamic.ts';

interface Group {
  readonly entries: Array<readonly [string, string]>;
  readonly result: DecodeResult;
}

export class IncrementalDecoder {
  readonly #rootKey: string;
  #groups = new Map<string, Group>();

  constructor(rootKey: string) {
    this.#rootKey = rootKey;
  }

  decode(entries: ReadonlyArray<readonly [string, string]>): DecodeResult {
    const prefix = `${this.#rootKey}/`;
    const grouped = new Map<string, Array<readonly [string, string]>>();
    for (const entry of entries) {
      const id = groupOf(entry[0], prefix);
      let list = grouped.get(id);
      if (list === undefined) grouped.set(id, (list = []));
      list.push(entry);
    }
    const next = new Map<string, Group>();
    for (const [id, list] of grouped) {
      const before = this.#groups.get(id);
      next.set(id, before !== undefined && sameEntries(before.entries, list) ? before : { entries: list, result: decodeKeyValues(list, this.#rootKey) });
    }
    this.#groups = next;
    return merge(next.values());
  }
}

/** The object a key belongs to: root-relative, up to three segments, lower-cased. */
function groupOf(key: string, prefix: string): string {
  if (!key.startsWith(prefix)) return '\u0000outside';
  let end = prefix.length;
  for (let i = 0; i < 3; i++) {
    const slash = key.indexOf('/', end);
    if (slash === -1) return key.slice(prefix.length).toLowerCase();
    end = slash + 1;
  }
  return key.slice(prefix.length, end - 1).toLowerCase();
}

/** Same keys with the same values in the same order (the store lists keys in byte order). */
function sameEntries(a: ReadonlyArray<readonly [string, string]>, b: ReadonlyArray<readonly [string, string]>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  return true;
}

function merge(groups: Iterable<Group>): DecodeResult {
  const out: DecodeResult = {
    routers: new Map(),
    services: new Map(),
    middlewares: new Map(),
    tls: { certificates: new Map(), options: new Map(), stores: new Map() },
    problems: [],
  };
  const problems: ProblemData[] = out.problems;
  for (const { result } of groups) {
    for (const [k, v] of result.routers) out.routers.set(k, v);
    for (const [k, v] of result.services) out.services.set(k, v);
    for (const [k, v] of result.middlewares) out.middlewares.set(k, v);
    for (const [k, v] of result.tls.certificates) out.tls.certificates.set(k, v);
    for (const [k, v] of result.tls.options) out.tls.options.set(k, v);
    for (const [k, v] of result.tls.stores) out.tls.stores.set(k, v);
    for (const p of result.problems) problems.push(p);
  }
  problems.sort((a, b) => compareBytes(a.key ?? '', b.key ?? ''));
  return out;
}
