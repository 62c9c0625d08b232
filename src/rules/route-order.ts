/** @module Route precedence: Traefik's priority, plus a deterministic tie-break Traefik lacks. */

/** An explicit non-zero priority wins; otherwise the rule's length in UTF-8 bytes, as Traefik does. */
export function rulePriority(rule: string, priority?: number): number {
  return priority !== undefined && priority !== 0 ? priority : Buffer.byteLength(rule, 'utf8');
}

export interface Ranked {
  readonly name: string;
  readonly priority: number;
}

/**
 * Precedence, first match wins: higher priority first. Equal priorities are broken by name in
 * ascending byte order (UTF-8, i.e. code-point order), the smaller name first. Traefik leaves
 * such ties to Go map order (random; traefik/traefik#2856), so any fixed order is compatible,
 * and a fixed one keeps every node of a cluster routing alike.
 */
export function compareRoutes(a: Ranked, b: Ranked): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return compareCodePoints(a.name, b.name);
}

/** Code-point order, which equals UTF-8 byte order (plain `<` compares UTF-16 units instead). */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
