/**
 * @module The key set an import produces, and the names in it. Object names come from HAProxy
 * section names (sanitized for a key segment) plus, where one section yields several objects, a
 * short hash of what the object does, so a re-import of a regenerated file keeps every unchanged
 * object's name and rewrites only what changed. Two different objects never share a name: the
 * builder refuses, rather than letting one overwrite the other's keys.
 */
import { createHash } from 'node:crypto';

export type ObjectKind = 'routers' | 'services' | 'middlewares';

/** A nested value: objects become key segments, arrays `/0`, `/1`…, scalars the key's value. */
export type ObjectValue = Readonly<Record<string, unknown>>;

export class KeyBuilder {
  readonly rootKey: string;
  readonly #keys = new Map<string, string>();
  /** kind/name → fingerprint of the object's content, to tell a harmless repeat from a clash. */
  readonly #objects = new Map<string, string>();

  constructor(rootKey: string) {
    this.rootKey = rootKey;
  }

  /**
   * Adds `http/<kind>/<name>/…` from a nested value (arrays become `/0`, `/1`…). Returns false when
   * another object already has this name with different content (the caller picks another name).
   */
  object(kind: ObjectKind, name: string, value: ObjectValue): boolean {
    const id = `${kind}/${name}`;
    const fingerprint = JSON.stringify(value);
    const before = this.#objects.get(id);
    if (before !== undefined) return before === fingerprint;
    this.#objects.set(id, fingerprint);
    flatten(this.#keys, `${this.rootKey}/http/${kind}/${name}`, value);
    return true;
  }

  /** Adds `tls/certificates/<label>/…`. */
  certificate(label: string, value: { readonly certFile: string; readonly keyFile: string }): void {
    flatten(this.#keys, `${this.rootKey}/tls/certificates/${label}`, value);
  }

  /** Adds `tls/options/<name>/…`. */
  tlsOptions(name: string, value: ObjectValue): void {
    flatten(this.#keys, `${this.rootKey}/tls/options/${name}`, value);
  }

  has(kind: ObjectKind, name: string): boolean {
    return this.#objects.has(`${kind}/${name}`);
  }

  count(kind: ObjectKind): number {
    return [...this.#objects.keys()].filter((id) => id.startsWith(`${kind}/`)).length;
  }

  /** Every key, sorted (byte order), as the `--dry-run` output and the writer want them. */
  keys(): Map<string, string> {
    return new Map([...this.#keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

function flatten(into: Map<string, string>, prefix: string, value: unknown): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(into, `${prefix}/${i}`, v));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(into, `${prefix}/${k}`, v);
  } else into.set(prefix, String(value));
}

/** A name usable as one key segment and as a Traefik object name (no `/`, no `@`). */
export function sanitizeName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, '-');
  return clean === '' ? '_' : clean;
}

/** 8 hex characters of SHA-256: enough to tell a section's objects apart, short enough to read. */
export function shortHash(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 8);
}
