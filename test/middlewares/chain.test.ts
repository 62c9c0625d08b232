import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chain } from '../../src/middlewares/chain.ts';
import { addPrefix } from '../../src/middlewares/add-prefix.ts';
import { stripPrefix } from '../../src/middlewares/strip-prefix.ts';
import type { Handler } from '../../src/middlewares/middleware.ts';
import { answer, keyOf, run, wrapContext } from '../support/fake-exchange.ts';

test('applies its middlewares in list order', async () => {
  const next = answer();
  const members: Record<string, (n: Handler) => Handler> = {
    strip: (n) => stripPrefix.compile({ prefixes: ['/a'] }, keyOf('stripPrefix'))(n, wrapContext()),
    add: (n) => addPrefix.compile({ prefix: '/z' }, keyOf('addPrefix'))(n, wrapContext()),
  };
  const mw = chain.compile({ middlewares: ['strip', 'add'] }, keyOf('chain'))(next, wrapContext({ middleware: (name, inner) => members[name]!(inner) }));
  await run(mw, { path: '/a/b' });
  assert.equal(next.seen[0]!.path, '/z/b');
  assert.deepEqual(chain.references!({ middlewares: ['x', 'y@file'] }), { middlewares: ['x', 'y@file'] });
});
