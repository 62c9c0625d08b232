import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replacePathRegex } from '../../src/middlewares/replace-path-regex.ts';
import { answer, keyOf, run, sentHeader, wrapContext } from '../support/fake-exchange.ts';

test('rewrites matching paths with groups; others pass unchanged', async () => {
  const next = answer();
  const mw = replacePathRegex.compile({ regex: '^/foo/(.*)', replacement: '/bar/$1' }, keyOf('replacePathRegex'))(next, wrapContext());
  await run(mw, { path: '/foo/a/b' });
  assert.equal(next.seen[0]!.path, '/bar/a/b');
  assert.equal(sentHeader(next.seen[0]!, 'x-replaced-path'), '/foo/a/b');
  await run(mw, { path: '/other' });
  assert.equal(next.seen[1]!.path, '/other');
  assert.equal(sentHeader(next.seen[1]!, 'x-replaced-path'), undefined);
});
