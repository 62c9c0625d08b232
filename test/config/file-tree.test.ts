import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeKeyValues } from '../../src/config/decode.ts';
import type { DecodeResult } from '../../src/config/dynamic.ts';
import { flattenTree, parseConfigFile } from '../../src/config/file-tree.ts';
import { ConfigKeyError } from '../../src/errors.ts';
import { decodePairs, valid } from './kv-fixture.ts';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

function decodeFile(name: string): DecodeResult {
  return decodeKeyValues(flattenTree(parseConfigFile(fixture(name), name), 'traefik'), 'traefik');
}

/** Every object's validated value and errors: what the rest of Switchyard consumes. */
function model(result: DecodeResult) {
  const values = <T>(objects: Map<string, { value: T | undefined; errors: unknown[] }>) =>
    Object.fromEntries([...objects].map(([name, decoded]) => [name, { value: decoded.value, errors: decoded.errors }]));
  return {
    routers: values(result.routers),
    services: values(result.services),
    middlewares: values(result.middlewares),
    certificates: values(result.tls.certificates),
    options: values(result.tls.options),
    stores: values(result.tls.stores),
    problems: result.problems,
  };
}

describe('file provider: YAML and TOML decode like the equivalent KV pairs', () => {
  const fromKv = model(decodePairs(JSON.parse(fixture('sample-kv.json')) as Record<string, string>));

  it('the KV fixture decodes without errors', () => {
    for (const objects of [fromKv.routers, fromKv.services, fromKv.middlewares, fromKv.certificates, fromKv.options, fromKv.stores]) {
      for (const [name, { errors }] of Object.entries(objects)) assert.deepEqual(errors, [], name);
    }
    assert.deepEqual(fromKv.problems, []);
    assert.equal(Object.keys(fromKv.routers).length, 2);
    assert.deepEqual(fromKv.routers['api']?.value?.tls, {
      certResolver: 'le',
      domains: [{ main: 'example.com', sans: ['*.example.com'] }],
    });
  });

  for (const name of ['sample.yaml', 'sample.toml']) {
    it(`${name} gives the same model`, () => {
      assert.deepEqual(model(decodeFile(name)), fromKv);
    });
  }
});

describe('flattenTree', () => {
  it('maps nesting to key segments and arrays to index segments', () => {
    const tree = { http: { routers: { api: { rule: 'r', entryPoints: ['web', 'websecure'], priority: 5, tls: {} } } } };
    assert.deepEqual(flattenTree(tree, 'foo/traefik'), [
      ['foo/traefik/http/routers/api/rule', 'r'],
      ['foo/traefik/http/routers/api/entryPoints/0', 'web'],
      ['foo/traefik/http/routers/api/entryPoints/1', 'websecure'],
      ['foo/traefik/http/routers/api/priority', '5'],
      ['foo/traefik/http/routers/api/tls', ''],
    ]);
  });

  it('null, empty maps and empty lists become empty leaves', () => {
    assert.deepEqual(flattenTree({ a: null, b: [], c: {}, d: false }, 'r'), [
      ['r/a', ''],
      ['r/b', ''],
      ['r/c', ''],
      ['r/d', 'false'],
    ]);
  });

  it('a "/" inside a mapping key becomes a segment separator', () => {
    assert.deepEqual(flattenTree({ http: { 'routers/api': { rule: 'r' } } }, 'r'), [['r/http/routers/api/rule', 'r']]);
  });

  it('returns nothing for an empty document', () => {
    assert.deepEqual(flattenTree(parseConfigFile('', 'empty.yaml'), 'traefik'), []);
    assert.deepEqual(flattenTree(parseConfigFile('# nothing\n', 'empty.toml'), 'traefik'), []);
  });

  it('keeps big integers exact', () => {
    assert.deepEqual(flattenTree(parseConfigFile('n: 9223372036854775807\n', 'big.yaml'), 'r'), [['r/n', '9223372036854775807']]);
    assert.deepEqual(flattenTree(parseConfigFile('n = 9223372036854775807\n', 'big.toml'), 'r'), [['r/n', '9223372036854775807']]);
  });

  it('YAML merge keys are honoured', () => {
    const text = 'base: &base {passHostHeader: false}\nhttp:\n  x:\n    <<: *base\n    strategy: p2c\n';
    assert.deepEqual(flattenTree(parseConfigFile(text, 'merge.yaml'), 'r').filter(([key]) => key.startsWith('r/http')), [
      ['r/http/x/passHostHeader', 'false'],
      ['r/http/x/strategy', 'p2c'],
    ]);
  });

  it('an empty mapping in a file enables a presence key, as `tls: {}` does in Traefik', () => {
    const text = 'http:\n  routers:\n    r:\n      rule: x\n      service: s\n      tls: {}\n';
    const result = decodeKeyValues(flattenTree(parseConfigFile(text, 'tls.yaml'), 'traefik'), 'traefik');
    assert.deepEqual(valid(result.routers, 'r').tls, {});
  });
});

describe('parseConfigFile errors', () => {
  const cases: Array<[fileName: string, text: string, line: number]> = [
    ['bad.yaml', 'http:\n  routers: [x\n', 3],
    ['bad.yml', 'a: 1\n  b: 2\n', 1],
    ['bad.toml', 'a = 1\nb = [\n', 3],
    ['bad.TOML', '[http\n', 1],
  ];
  for (const [fileName, text, line] of cases) {
    it(`${fileName}: SY_FILE_PARSE with the file name as key and the line`, () => {
      assert.throws(
        () => parseConfigFile(text, fileName),
        (error: unknown) =>
          error instanceof ConfigKeyError &&
          error.code === 'SY_FILE_PARSE' &&
          error.key === fileName &&
          error.message.includes(`line ${line}`),
      );
    });
  }

  it('a document whose top level is not a mapping is refused', () => {
    assert.throws(
      () => parseConfigFile('- a\n- b\n', 'list.yaml'),
      (error: unknown) => error instanceof ConfigKeyError && error.code === 'SY_FILE_PARSE' && error.key === 'list.yaml',
    );
  });

  it('several YAML documents in one file are refused', () => {
    assert.throws(
      () => parseConfigFile('a: 1\n---\nb: 2\n', 'multi.yaml'),
      (error: unknown) => error instanceof ConfigKeyError && error.code === 'SY_FILE_PARSE',
    );
  });
});
