/**
 * @module JSON as Consul's Go encoder writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped inside
 * strings, uint64 numbers written whole (JS would round flags above 2^53), `?pretty` indented by
 * four spaces with a trailing newline, and KV entries in `structs.DirEntry` field order.
 */
import type { DirEntry } from './kv-store.ts';

// Node ≥ 21 has JSON.rawJSON; the es2024 lib in tsconfig does not declare it yet.
const { rawJSON } = JSON as unknown as { rawJSON(text: string): unknown };

/** A number JSON.stringify writes digit for digit. */
export function uint64(value: bigint): unknown {
  return rawJSON(value.toString());
}

const htmlUnsafe = /[<>&\u2028\u2029]/g;

export function goJson(value: unknown, pretty: boolean): string {
  const text = pretty ? `${JSON.stringify(value, null, 4)}\n` : JSON.stringify(value);
  // These characters only occur inside strings in JSON text, so a global replace is safe.
  return text.replace(htmlUnsafe, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * LockIndex, Key, Flags, Value, Session (omitted when unlocked), CreateIndex, ModifyIndex.
 * `withValue: false` is the txn rule: only get verbs return values.
 */
export function dirEntryJson(entry: DirEntry, withValue = true): Record<string, unknown> {
  const json: Record<string, unknown> = {
    LockIndex: entry.lockIndex,
    Key: entry.key,
    Flags: uint64(entry.flags),
    Value: withValue && entry.value !== null ? entry.value.toString('base64') : null,
  };
  if (entry.session !== undefined) json['Session'] = entry.session;
  json['CreateIndex'] = entry.createIndex;
  json['ModifyIndex'] = entry.modifyIndex;
  return json;
}
