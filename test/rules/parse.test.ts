import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleNode } from '../../src/rules/ast.ts';
import { parseRule } from '../../src/rules/parse.ts';

/** A compact rendering of the AST: `A`, `!A`, `(A && B)`, `(A || B)`; arguments left out. */
function shape(node: RuleNode): string {
  if (node.kind === 'matcher') return `${node.negated ? '!' : ''}${node.name}`;
  return `(${node.operands.map(shape).join(node.kind === 'and' ? ' && ' : ' || ')})`;
}

function parseError(rule: string): { code: string; position: number | undefined } {
  try {
    parseRule(rule);
  } catch (error) {
    const { code, position } = error as { code: string; position: number | undefined };
    return { code, position };
  }
  assert.fail(`expected ${rule} to be rejected`);
}

describe('parseRule: structure', () => {
  const cases: Array<[string, string]> = [
    ['A(`a`)', 'A'],
    ['A(`a`) || B(`b`) && C(`c`)', '(A || (B && C))'],
    ['A(`a`) && B(`b`) || C(`c`)', '((A && B) || C)'],
    ['(A(`a`) || B(`b`)) && C(`c`)', '((A || B) && C)'],
    ['A(`a`) && B(`b`) && C(`c`)', '(A && B && C)'],
    ['!A(`a`)', '!A'],
    ['!!A(`a`)', 'A'],
    ['!(A(`a`) || B(`b`))', '(!A && !B)'],
    ['!(A(`a`) && B(`b`))', '(!A || !B)'],
    ['!(A(`a`) && !(B(`b`) || C(`c`)))', '(!A || B || C)'],
    ['!A(`a`) || B(`b`)', '(!A || B)'],
    ['A(`a`) &&\n  B(`b`)', '(A && B)'],
    ['A(`a`)\n', 'A'],
    ['\tA( `a` , `b` ,)  ', 'A'],
  ];
  for (const [rule, expected] of cases) {
    it(JSON.stringify(rule), () => assert.equal(shape(parseRule(rule)), expected));
  }
});

describe('parseRule: arguments', () => {
  const cases: Array<[string, string[]]> = [
    ['A(`raw \\n stays`)', ['raw \\n stays']],
    ['A(`with\r\ncarriage return`)', ['with\ncarriage return']],
    ['A("quoted")', ['quoted']],
    ['A("tab\\tnew\\nquote\\"backslash\\\\")', ['tab\tnew\nquote"backslash\\']],
    ['A("\\x41\\101\\u00e9\\U0001F600")', ['AAé😀']],
    ['A("\\xc3\\xa9")', ['é']],
    ['A(`a`, "b", `c`)', ['a', 'b', 'c']],
    ['A("`")', ['`']],
  ];
  for (const [rule, expected] of cases) {
    it(JSON.stringify(rule), () => {
      const node = parseRule(rule);
      assert.equal(node.kind, 'matcher');
      if (node.kind === 'matcher') assert.deepEqual(node.args.map((arg) => arg.value), expected);
    });
  }

  it('records the column of each argument and matcher', () => {
    const node = parseRule('Host(`a`) && Path(  "/b")');
    assert.equal(node.kind, 'and');
    if (node.kind !== 'and') return;
    const [host, path] = node.operands;
    assert.deepEqual(host?.kind === 'matcher' && [host.column, host.args[0]?.column], [1, 6]);
    assert.deepEqual(path?.kind === 'matcher' && [path.column, path.args[0]?.column], [14, 21]);
  });
});

describe('parseRule: syntax errors carry SY_RULE_SYNTAX and the column', () => {
  const cases: Array<[string, number]> = [
    ['Host(`a.com`))', 14],
    ["Host('a.com')", 6],
    ['Host(``)', 6],
    ['Host("")', 6],
    ['Host(`a`) & Path(`/`)', 11],
    ['Host(`a`) || ', 14],
    ['Host', 5],
    ['Host(`a`', 9],
    ['(Host(`a`)', 11],
    ['Host(`a` `b`)', 10],
    ['Host(,)', 6],
    ['Host(`a`) Path(`/`)', 11],
    ['Host(`a`)\n&& Path(`/`)', 11],
    ['Host(\n`a`\n)', 10],
    ['Host(`unterminated)', 6],
    ['Host("unterminated)', 6],
    ['Host("bad \\q escape")', 6],
    ['Host("\\xff")', 6],
    ['Host(42)', 6],
    ['', 1],
    ['&&', 1],
    ['𝐀(`a`) && )', 11], // columns count code points, not UTF-16 units
  ];
  for (const [rule, column] of cases) {
    it(JSON.stringify(rule), () => assert.deepEqual(parseError(rule), { code: 'SY_RULE_SYNTAX', position: column }));
  }
});
