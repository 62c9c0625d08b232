import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripPrefix } from '../../src/middlewares/strip-prefix.ts';
import { answer, keyOf, run, sentHeader, wrapContext } from '../support/fake-exchange.ts';

test('strips the first matching prefix and adds X-Forwarded-Prefix', async () => {
  const next = answer();
  const mw = stripPrefix.compile({ prefixes: ['/api', '/v2'] }, keyOf('stripPrefix'))(next, wrapContext());
  const cases: [string, string, string | undefined][] = [['/api/users', '/users', '/api'], ['/api', '/', '/api'], ['/v2/x', '/x', '/v2'], ['/other', '/other', undefined], ['/apix', '/x', '/api']];
  for (const [path, upstream, prefix] of cases) {
    await run(mw, { path });
    const seen = next.seen.at(-1)!;
    assert.equal(seen.path, upstream, path);
    assert.equal(sentHeader(seen, 'x-forwarded-prefix'), prefix, path);
  }
});

test('a client-sent X-Forwarded-Prefix from an untrusted peer does not survive', async () => {
  const next = answer();
  const mw = stripPrefix.compile({ prefixes: ['/api'] }, keyOf('stripPrefix'))(next, wrapContext());
  await run(mw, { path: '/api/x', headers: { 'x-forwarded-prefix': '/evil' } });
  const list = next.seen[0]!.editedHeaders!;
  assert.deepEqual(list.filter((_, i) => i % 2 === 0 && list[i]!.toLowerCase() === 'x-forwarded-prefix').length, 1);
  assert.equal(sentHeader(next.seen[0]!, 'x-forwarded-prefix'), '/api');
});

test('no prefixes is an error on prefixes', () => {
  assert.throws(() => stripPrefix.compile({}, keyOf('stripPrefix')), { code: 'SY_MIDDLEWARE_CONFIG', key: 'traefik/http/middlewares/m/stripPrefix/prefixes' });
});
