import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildKeyTree, type KeyNode } from '../../src/config/key-tree.ts';
import { codesAndKeys } from './kv-fixture.ts';

function child(node: KeyNode, ...names: string[]): KeyNode {
  let current = node;
  for (const name of names) {
    const next = current.children.get(name.toLowerCase());
    assert.ok(next !== undefined, `no child ${name} under ${current.key}`);
    current = next;
  }
  return current;
}

describe('buildKeyTree', () => {
  it('keeps only keys under "<root>/": the root is a string prefix in the store', () => {
    const tree = buildKeyTree(
      [
        ['traefik/http/routers/a/rule', 'x'],
        ['traefik2/http/routers/b/rule', 'x'],
        ['traefik-acme/account', 'x'],
        ['traefik', 'x'],
        ['other/http/routers/c/rule', 'x'],
      ],
      'traefik',
    );
    assert.deepEqual([...child(tree.root, 'http', 'routers').children.keys()], ['a']);
    assert.deepEqual(tree.problems, []);
  });

  it('accepts a multi-level root, with or without a trailing slash', () => {
    for (const rootKey of ['foo/bar/traefik', 'foo/bar/traefik/']) {
      const tree = buildKeyTree([['foo/bar/traefik/http/routers/a/rule', 'x']], rootKey);
      assert.equal(child(tree.root, 'http', 'routers', 'a', 'rule').value, 'x');
    }
  });

  it('reports keys with a leading "/" that would be under the root, and nothing else', () => {
    const tree = buildKeyTree([['/traefik/http/routers/a/rule', 'x'], ['/elsewhere/x', 'y']], 'traefik');
    assert.deepEqual(codesAndKeys(tree.problems), ['SY_KEY_LEADING_SLASH /traefik/http/routers/a/rule']);
    assert.equal(tree.root.children.size, 0);
  });

  it('reports and skips keys with an empty segment after the root', () => {
    const tree = buildKeyTree(
      [
        ['traefik//http/routers/a/rule', 'x'],
        ['traefik/http//routers/a/rule', 'x'],
        ['traefik/http/routers/a/rule/', 'x'],
      ],
      'traefik',
    );
    assert.deepEqual(codesAndKeys(tree.problems), [
      'SY_KEY_EMPTY_SEGMENT traefik//http/routers/a/rule',
      'SY_KEY_EMPTY_SEGMENT traefik/http//routers/a/rule',
      'SY_KEY_EMPTY_SEGMENT traefik/http/routers/a/rule/',
    ]);
    assert.equal(tree.root.children.size, 0);
  });

  it('drops Consul folder keys (trailing "/", empty value) silently', () => {
    const tree = buildKeyTree(
      [
        ['traefik/', ''],
        ['traefik/http/', ''],
        ['traefik/tls/options/o/clientAuth/caFiles/', ''],
        ['traefik/tls/options/o/clientAuth/caFiles/0', 'ca.pem'],
      ],
      'traefik',
    );
    assert.deepEqual(tree.problems, []);
    const caFiles = child(tree.root, 'tls', 'options', 'o', 'clientAuth', 'caFiles');
    assert.equal(caFiles.value, undefined);
    assert.deepEqual([...caFiles.children.keys()], ['0']);
  });

  it('merges case-variant siblings: first spelling in byte order wins, later value overwrites', () => {
    const tree = buildKeyTree(
      [
        ['traefik/http/routers/foo/Rule', 'second'],
        ['traefik/http/routers/Foo/rule', 'first'],
        ['traefik/http/routers/foo/service', 's'],
      ],
      'traefik',
    );
    const routers = child(tree.root, 'http', 'routers');
    assert.equal(routers.children.size, 1);
    const router = child(routers, 'foo');
    assert.equal(router.name, 'Foo');
    assert.equal(router.key, 'traefik/http/routers/Foo');
    const rule = child(router, 'rule');
    // Byte order: "Foo/rule" < "foo/Rule": the value from foo/Rule is written last.
    assert.equal(rule.value, 'second');
    assert.equal(rule.valueKey, 'traefik/http/routers/foo/Rule');
  });

  it('an empty root key means the entries are not prefixed', () => {
    const tree = buildKeyTree([['http/routers/a/rule', 'x']], '');
    assert.equal(child(tree.root, 'http', 'routers', 'a', 'rule').value, 'x');
  });
});
