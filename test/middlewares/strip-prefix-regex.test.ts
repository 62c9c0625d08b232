import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripPrefixRegex } from '../../src/middlewares/strip-prefix-regex.ts';
import { answer, keyOf, run, sentHeader, wrapContext } from '../support/fake-exchange.ts';

test('strips the regex match at the start of the path', async () => {
  const next = answer();
  const mw = stripPrefixRegex.compile({ regex: ['/foo/[a-z0-9]+/[0-9]+/'] }, keyOf('stripPrefixRegex'))(next, wrapContext());
  await run(mw, { path: '/foo/abc/123/bar' });
  assert.equal(next.seen[0]!.path, '/bar');
  assert.equal(sentHeader(next.seen[0]!, 'x-forwarded-prefix'), '/foo/abc/123/');
  await run(mw, { path: '/x/foo/abc/123/bar' });
  assert.equal(next.seen[1]!.path, '/x/foo/abc/123/bar');
});

test('a bad regex names its index', () => {
  assert.throws(() => stripPrefixRegex.compile({ regex: ['^/ok', '(unclosed'] }, keyOf('stripPrefixRegex')), { key: 'traefik/http/middlewares/m/stripPrefixRegex/regex/1' });
});
