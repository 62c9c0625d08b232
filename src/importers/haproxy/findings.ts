/**
 * @module What the importer tells the operator about the source file, one finding per construct,
 * with its line. Severities:
 * - `unsupported`: no faithful translation; the construct is left out (or the rule it is part of),
 *   and the command exits 3. Never dropped silently.
 * - `deviation`: translated, but the result behaves differently in a way worth knowing (a port in
 *   the Host header, redirect codes per method, …).
 * - `ignored`: process tuning, logging and other directives that do not change which upstream
 *   answers, or with what status.
 * - `notice`: facts about the file (legacy syntax, a line continuation HAProxy would not read).
 */

export type Severity = 'unsupported' | 'deviation' | 'ignored' | 'notice';

export interface Finding {
  readonly severity: Severity;
  readonly line: number;
  /** `frontend http_in`, `backend app`, or '' for the file itself. */
  readonly section: string;
  /** The directive as written (trimmed to a readable length). */
  readonly construct: string;
  readonly message: string;
}

export interface FindingSource {
  readonly line: number;
  readonly words: readonly string[];
}

const ORDER: Readonly<Record<Severity, number>> = { unsupported: 0, deviation: 1, notice: 2, ignored: 3 };

export class Findings {
  readonly #items: Finding[] = [];
  readonly #seen = new Set<string>();

  add(severity: Severity, section: string, source: FindingSource, message: string): void {
    const construct = abbreviate(source.words.join(' '));
    const id = `${severity}\n${source.line}\n${message}`;
    // The same construct is met once per router copy (plain and TLS) or per frontend using a backend.
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    this.#items.push({ severity, line: source.line, section, construct, message });
  }

  get items(): readonly Finding[] {
    return [...this.#items].sort((a, b) => a.line - b.line || ORDER[a.severity] - ORDER[b.severity]);
  }

  count(severity: Severity): number {
    return this.#items.filter((f) => f.severity === severity).length;
  }
}

/** `haproxy.cfg:57 [backend wiki] unsupported: reqrep … → legacy request-line rewrite …` */
export function formatFinding(file: string, finding: Finding): string {
  const section = finding.section === '' ? '' : ` [${finding.section}]`;
  const construct = finding.construct === '' ? '' : `${finding.construct} → `;
  return `${file}:${finding.line}${section} ${finding.severity}: ${construct}${finding.message}`;
}

/**
 * Report lines: every unsupported construct on its own line; deviations, notices and ignored
 * directives with the same message grouped on one line listing their line numbers (a host
 * deviation repeated for 200 ACLs is one line, not 200).
 */
export function formatFindings(file: string, findings: readonly Finding[]): string[] {
  const lines: string[] = [];
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (finding.severity === 'unsupported') {
      lines.push(formatFinding(file, finding));
      continue;
    }
    const id = `${finding.severity}\n${finding.message}`;
    const group = groups.get(id) ?? [];
    group.push(finding);
    groups.set(id, group);
  }
  for (const group of [...groups.values()].sort((a, b) => ORDER[a[0]!.severity] - ORDER[b[0]!.severity] || a[0]!.line - b[0]!.line)) {
    if (group.length === 1) {
      lines.push(formatFinding(file, group[0]!));
      continue;
    }
    const numbers = [...new Set(group.map((f) => f.line))];
    const shown = numbers.length > 8 ? `${numbers.slice(0, 8).join(',')} (+${numbers.length - 8} more)` : numbers.join(',');
    const sections = new Set(group.map((f) => f.section));
    const section = sections.size === 1 && group[0]!.section !== '' ? ` [${group[0]!.section}]` : '';
    lines.push(`${file}:${shown}${section} ${group[0]!.severity}: ${group[0]!.message}`);
  }
  return lines;
}

function abbreviate(text: string): string {
  return text.length <= 100 ? text : `${text.slice(0, 97)}...`;
}
