/** @module Byte-order comparison of store keys and list labels, the order Traefik uses. */

/**
 * Compares by UTF-8 bytes, which is code-point order: the order etcd and Consul return keys in.
 * JS `<` compares UTF-16 units, which puts astral characters (surrogate pairs) before U+E000–U+FFFF;
 * only that case needs fixing, so the loop stays on plain char codes.
 */
export function compareBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? codePointRank(x) - codePointRank(y) : x - y;
  }
  return a.length - b.length;
}

/** Moves surrogates above U+E000–U+FFFF, where their code points are. */
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  return unit + 0x2000;
}

const decimal = /^\d+$/;

export function isIndexLabel(label: string): boolean {
  return decimal.test(label);
}

/**
 * Orders struct-list labels (`servers/<label>`): numerically when every label is an integer, so
 * `servers/10` follows `servers/9`, else in byte order as Traefik does.
 */
export function compareLabels(labels: readonly string[]): (a: string, b: string) => number {
  if (labels.every(isIndexLabel)) return compareIndexes;
  return compareBytes;
}

export function compareIndexes(a: string, b: string): number {
  return Number(a) - Number(b) || compareBytes(a, b);
}
