import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replacePath } from '../../src/middlewares/replace-path.ts';
import { answer, keyOf, run, sentHeader, wrapContext } from '../support/fake-exchange.ts';

test('replaces the path and sends the original in X-Replaced-Path', async () => {
  const next = answer();
  await run(replacePath.compile({ path: '/foo' }, keyOf('replacePath'))(next, wrapContext()), { path: '/bar/baz', query: 'q=1' });
  assert.equal(next.seen[0]!.path, '/foo');
  assert.equal(next.seen[0]!.search, '?q=1');
  assert.equal(sentHeader(next.seen[0]!, 'x-replaced-path'), '/bar/baz');
});
