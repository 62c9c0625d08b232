/**
 * @module A strict parser for the Prometheus text exposition format (version 0.0.4), for tests:
 * every line must be a HELP, a TYPE or a sample of a declared family; label values must be properly
 * escaped; a series may appear once; histogram buckets must be cumulative and end in `+Inf` equal
 * to `_count`. Anything else throws, naming the line.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const typed = new Set<string>();
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`malformed comment, ${where}`);
        return;
      }
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`unknown type, ${where}`);
        if (typed.has(name)) throw new Error(`second TYPE for ${name}, ${where}`);
        typed.add(name);
        const family = families.get(name);
        if (family === undefined) families.set(name, { name, type: rest as Family['type'], help: '', samples: [] });
        else if (family.samples.length > 0) throw new Error(`TYPE after samples of ${name}, ${where}`);
        else family.type = rest as Family['type'];
      } else {
        const family = families.get(name);
        if (family === undefined) families.set(name, { name, type: 'untyped', help: unescapeHelp(rest, where), samples: [] });
        else family.help = unescapeHelp(rest, where);
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (family === undefined) throw new Error(`sample of an undeclared family, ${where}`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate series, ${where}`);
    seen.add(key);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** Sum of the values of `name` whose labels include `match`. */
export function sumOf(families: Map<string, Family>, name: string, match: Record<string, string> = {}): number {
  const family = familyOf(families, name);
  let total = 0;
  for (const s of family?.samples ?? []) {
    if (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  const direct = families.get(sampleName);
  if (direct !== undefined) return direct;
  const m = /^(.*)_(bucket|sum|count)$/.exec(sampleName);
  if (m === null) return undefined;
  const family = families.get(m[1]!);
  return family !== undefined && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}

function parseSample(line: string, where: string): Sample {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  const name = line.slice(0, i);
  if (!METRIC_NAME.test(name)) throw new Error(`bad metric name, ${where}`);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq === -1) throw new Error(`label without value, ${where}`);
      const label = line.slice(i, eq);
      if (!LABEL_NAME.test(label)) throw new Error(`bad label name ${JSON.stringify(label)}, ${where}`);
      if (label in labels) throw new Error(`repeated label ${label}, ${where}`);
      if (line[eq + 1] !== '"') throw new Error(`label value must be quoted, ${where}`);
      let value = '';
      let j = eq + 2;
      for (;;) {
        const c = line[j];
        if (c === undefined) throw new Error(`unterminated label value, ${where}`);
        if (c === '"') break;
        if (c === '\\') {
          const next = line[j + 1];
          if (next === '\\') value += '\\';
          else if (next === '"') value += '"';
          else if (next === 'n') value += '\n';
          else throw new Error(`bad escape in label value, ${where}`);
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      labels[label] = value;
      i = j + 1;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`expected , or } after a label, ${where}`);
    }
    i++;
  }
  if (line[i] !== ' ') throw new Error(`expected one space before the value, ${where}`);
  const parts = line.slice(i + 1).split(' ');
  if (parts.length > 2 || (parts.length === 2 && !/^-?\d+$/.test(parts[1]!))) throw new Error(`bad value or timestamp, ${where}`);
  return { name, labels, value: parseValue(parts[0]!, where) };
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad sample value ${JSON.stringify(text)}, ${where}`);
  return Number(text);
}

function unescapeHelp(text: string, where: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new Error(`bad escape in HELP, ${where}`);
  });
}

function checkHistogram(family: Family): void {
  const groups = new Map<string, { buckets: { le: number; value: number }[]; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (s.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      group.buckets.push({ le: parseValue(le, `le of ${family.name}`), value: s.value });
    } else if (s.name === `${family.name}_count`) group.count = s.value;
    else if (s.name === `${family.name}_sum`) group.sum = s.value;
    else throw new Error(`${family.name}: unexpected sample ${s.name}`);
  }
  for (const [key, group] of groups) {
    const sorted = [...group.buckets].sort((a, b) => a.le - b.le);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.value < sorted[i - 1]!.value) throw new Error(`${family.name}${key}: buckets are not cumulative`);
    }
    const last = sorted.at(-1);
    if (last === undefined || last.le !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}${key}: no +Inf bucket`);
    if (group.count === undefined || group.sum === undefined) throw new Error(`${family.name}${key}: _count or _sum missing`);
    if (last.value !== group.count) throw new Error(`${family.name}${key}: +Inf bucket ${last.value} differs from _count ${group.count}`);
  }
}
