/**
 * @module The circuitBreaker condition language (vulcand/oxy's): `NetworkErrorRatio()`,
 * `ResponseCodeRatio(from, to, dividedByFrom, dividedByTo)` (ranges are [from, to)),
 * `LatencyAtQuantileMS(q)` compared with numbers (`< <= > >= == !=`), joined by `&&` and `||`,
 * with parentheses. Parsed once into a closure over the rolling metrics.
 */
import type { RollingMetrics } from './rolling-metrics.ts';

export type Condition = (metrics: RollingMetrics) => boolean;
type Value = (metrics: RollingMetrics) => number;

const FUNCTIONS: Readonly<Record<string, { arity: number; build: (args: number[]) => Value }>> = {
  NetworkErrorRatio: { arity: 0, build: () => (m) => m.networkErrorRatio() },
  ResponseCodeRatio: { arity: 4, build: ([a, b, c, d]) => (m) => m.responseCodeRatio(a!, b!, c!, d!) },
  LatencyAtQuantileMS: { arity: 1, build: ([q]) => (m) => m.latencyAtQuantileMs(q!) },
};

const COMPARE: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/** Throws an Error whose message says what is wrong and where. */
export function parseCondition(text: string): Condition {
  const tokens = text.match(/\s*(\d+(?:\.\d+)?|[A-Za-z_]\w*|&&|\|\||<=|>=|==|!=|[<>(),]|\S)/g)?.map((t) => t.trim()) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (t: string) => {
    if (tokens[pos] !== t) throw new Error(`expected "${t}" but found ${tokens[pos] === undefined ? 'the end' : `"${tokens[pos]}"`} in ${JSON.stringify(text)}`);
    pos++;
  };
  const value = (): Value => {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`unexpected end of ${JSON.stringify(text)}`);
    if (/^\d/.test(t)) {
      const n = Number(t);
      return () => n;
    }
    const fn = FUNCTIONS[t];
    if (fn === undefined) throw new Error(`unknown function or value "${t}" (expected NetworkErrorRatio, ResponseCodeRatio or LatencyAtQuantileMS)`);
    expect('(');
    const args: number[] = [];
    while (peek() !== ')') {
      const a = tokens[pos++];
      if (a === undefined || !/^\d/.test(a)) throw new Error(`${t} takes numbers, found ${a === undefined ? 'the end' : `"${a}"`}`);
      args.push(Number(a));
      if (peek() === ',') pos++;
    }
    expect(')');
    if (args.length !== fn.arity) throw new Error(`${t} takes ${fn.arity} argument(s), got ${args.length}`);
    return fn.build(args);
  };
  const comparison = (): Condition => {
    if (peek() === '(') {
      pos++;
      const inner = or();
      expect(')');
      return inner;
    }
    const left = value();
    const op = tokens[pos++];
    const compare = op === undefined ? undefined : COMPARE[op];
    if (compare === undefined) throw new Error(`expected a comparison (<, <=, >, >=, ==, !=) after a value in ${JSON.stringify(text)}`);
    const right = value();
    return (m) => compare(left(m), right(m));
  };
  const and = (): Condition => {
    let left = comparison();
    while (peek() === '&&') {
      pos++;
      const a = left;
      const b = comparison();
      left = (m) => a(m) && b(m);
    }
    return left;
  };
  const or = (): Condition => {
    let left = and();
    while (peek() === '||') {
      pos++;
      const a = left;
      const b = and();
      left = (m) => a(m) || b(m);
    }
    return left;
  };
  if (tokens.length === 0) throw new Error('the expression is empty');
  const condition = or();
  if (pos !== tokens.length) throw new Error(`unexpected "${tokens[pos]}" in ${JSON.stringify(text)}`);
  return condition;
}
