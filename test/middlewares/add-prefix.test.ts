import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addPrefix } from '../../src/middlewares/add-prefix.ts';
import { answer, keyOf, run, wrapContext } from '../support/fake-exchange.ts';

test('prepends the prefix, adding its leading slash', async () => {
  for (const prefix of ['/api', 'api']) {
    const next = answer();
    await run(addPrefix.compile({ prefix }, keyOf('addPrefix'))(next, wrapContext()), { path: '/users' });
    assert.equal(next.seen[0]!.path, '/api/users');
  }
  assert.throws(() => addPrefix.compile({ prefix: '' }, keyOf('addPrefix')), { key: 'traefik/http/middlewares/m/addPrefix/prefix' });
});
