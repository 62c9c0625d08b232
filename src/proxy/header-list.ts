/**
 * @module Flat header lists (`[name, value, name, value, …]`, Node's rawHeaders shape): lookups and
 * edits by case-insensitive name. Names are compared by length first, so most entries cost one
 * integer comparison.
 */

/** The first value of `lowerName`, or undefined. */
export function headerValue(list: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return list[i + 1];
  }
  return undefined;
}

/** Every value of `lowerName`, in order. */
export function headerValues(list: readonly string[], lowerName: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) out.push(list[i + 1]!);
  }
  return out;
}

/** Removes every entry named `lowerName` in place; true when one was there. */
export function removeHeader(list: string[], lowerName: string): boolean {
  let w = 0;
  for (let r = 0; r < list.length; r += 2) {
    const name = list[r]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) continue;
    list[w++] = name;
    list[w++] = list[r + 1]!;
  }
  const removed = w !== list.length;
  list.length = w;
  return removed;
}

/** Replaces every entry named like `name` with one entry (Go's Header.Set). */
export function setHeader(list: string[], name: string, value: string): void {
  removeHeader(list, name.toLowerCase());
  list.push(name, value);
}
