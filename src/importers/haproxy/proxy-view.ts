/**
 * @module A proxy section as the translator reads it: its own directives, the ones it inherits
 * from its defaults chain (a directive in the section wins over its defaults, which win over the
 * defaults they come `from`), its mode (section, then defaults, then tcp), and the ACLs it
 * declares. Every directive the translator reads is marked consumed; the rest are reported at the
 * end (directive-table.ts), so nothing in the file goes unmentioned.
 */
import type { AclDefinition } from './acl-criteria.ts';
import type { Directive, Section } from './parse-config.ts';

export class ProxyView {
  readonly section: Section;
  readonly #consumed: Set<Directive>;

  constructor(section: Section, consumed: Set<Directive>) {
    this.section = section;
    this.#consumed = consumed;
  }

  get name(): string {
    return this.section.name;
  }

  /** `frontend http_in`, for messages. */
  get label(): string {
    return `${this.section.keyword} ${this.section.name}`.trim();
  }

  /** This section's directives starting with `prefix` (words), in order; marks them consumed. */
  own(...prefix: readonly string[]): Directive[] {
    const found = this.section.directives.filter((d) => startsWith(d.words, prefix));
    for (const d of found) this.#consumed.add(d);
    return found;
  }

  /** The last directive starting with `prefix` here, else in the defaults chain; marks it consumed. */
  setting(...prefix: readonly string[]): Directive | undefined {
    for (let section: Section | undefined = this.section; section !== undefined; section = section.defaults) {
      const found = section.directives.filter((d) => startsWith(d.words, prefix)).at(-1);
      if (found !== undefined) {
        this.#consumed.add(found);
        return found;
      }
    }
    return undefined;
  }

  /** Like `own`, but over the defaults chain first (outermost first), then the section. */
  inheritedList(...prefix: readonly string[]): Directive[] {
    const chain: Section[] = [];
    for (let section: Section | undefined = this.section; section !== undefined; section = section.defaults) chain.unshift(section);
    const found = chain.flatMap((s) => s.directives.filter((d) => startsWith(d.words, prefix)));
    for (const d of found) this.#consumed.add(d);
    return found;
  }

  get mode(): string {
    return this.setting('mode')?.words[1] ?? 'tcp';
  }

  /** Marks every directive of the section consumed (a section reported as a whole). */
  consumeAll(): void {
    for (const d of this.section.directives) this.#consumed.add(d);
  }

  /** Named ACLs: every `acl <name> …` line of the section under its name, in file order. */
  acls(): Map<string, AclDefinition[]> {
    const acls = new Map<string, AclDefinition[]>();
    for (const d of this.own('acl')) {
      const name = d.words[1];
      if (name === undefined) continue;
      const list = acls.get(name) ?? [];
      list.push({ line: d.line, words: d.words, criterion: d.words.slice(2) });
      acls.set(name, list);
    }
    return acls;
  }
}

function startsWith(words: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((p, i) => words[i] === p);
}

/**
 * HAProxy durations: a number with an optional unit (`us`, `ms`, `s`, `m`, `h`, `d`); a bare
 * number is milliseconds (configuration.txt §2.5). Returns milliseconds, or undefined.
 */
export function haproxyDurationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)?$/.exec(text);
  if (m === null) return undefined;
  const factor: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(m[1]) * factor[m[2] ?? 'ms']!;
}

/** A duration for a Traefik key, always with a unit (a bare number would be read as seconds). */
export function goDuration(ms: number): string {
  const units: readonly [number, string][] = [[3_600_000, 'h'], [60_000, 'm'], [1_000, 's'], [1, 'ms']];
  for (const [size, unit] of units) if (ms >= size && Number.isInteger(ms / size)) return `${ms / size}${unit}`;
  return ms === 0 ? '0s' : `${Math.round(ms * 1000)}us`;
}
