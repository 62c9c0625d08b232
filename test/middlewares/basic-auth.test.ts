import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { basicAuth } from '../../src/middlewares/basic-auth.ts';
import { md5Crypt } from '../../src/middlewares/htpasswd.ts';
import { answer, keyOf, run, sentHeader, wrapContext } from '../support/fake-exchange.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const sha = (password: string) => `{SHA}${createHash('sha1').update(password).digest('base64')}`;
// `htpasswd -nbm test test` (Apache MD5), a fixture from Traefik's own tests.
const APR1 = 'test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';

function build(options: Parameters<typeof basicAuth.compile>[0]) {
  const next = answer();
  return { next, mw: basicAuth.compile(options, keyOf('basicAuth'))(next, wrapContext()) };
}

test('401 with WWW-Authenticate: Basic realm="traefik" without or with wrong credentials', async () => {
  const { mw } = build({ users: [APR1], realm: 'traefik' });
  for (const headers of [{}, { authorization: basic('test', 'nope') }, { authorization: basic('ghost', 'test') }, { authorization: 'Bearer x' }]) {
    const { res } = await run(mw, { headers: headers as Record<string, string> });
    assert.equal(res.status, 401);
    assert.equal(res.header('www-authenticate'), 'Basic realm="traefik"');
    assert.equal(res.text, '401 Unauthorized\n');
  }
});

test('accepts $apr1$, {SHA} and $2y$ bcrypt hashes', async () => {
  const bcryptHash = bcrypt.hashSync('s3cret', 4).replace(/^\$2b\$/, '$2y$');
  const { mw } = build({ users: [APR1, `sha:${sha('pw')}`, `bc:${bcryptHash}`], realm: 'traefik' });
  for (const [user, password] of [['test', 'test'], ['sha', 'pw'], ['bc', 's3cret'], ['bc', 's3cret']]) {
    const { res } = await run(mw, { headers: { authorization: basic(user!, password!) } });
    assert.equal(res.status, 200, user);
  }
  const { res } = await run(mw, { headers: { authorization: basic('bc', 'wrong') } });
  assert.equal(res.status, 401);
});

test('md5Crypt matches the reference implementation', () => {
  assert.equal(md5Crypt('test', 'H6uskkkW', '$apr1$'), '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/');
});

test('realm, headerField, removeHeader, usersFile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-auth-'));
  const file = join(dir, 'users');
  writeFileSync(file, `# comment\n\nfile:${sha('f')}\n`);
  const { mw, next } = build({ usersFile: file, realm: 'inside', headerField: 'X-WebAuth-User', removeHeader: true });
  let r = await run(mw);
  assert.equal(r.res.header('www-authenticate'), 'Basic realm="inside"');
  r = await run(mw, { headers: { authorization: basic('file', 'f') } });
  assert.equal(r.res.status, 200);
  assert.equal(sentHeader(next.seen[0]!, 'x-webauth-user'), 'file');
  assert.equal(sentHeader(next.seen[0]!, 'authorization'), undefined);
});

test('a hash of no known format is an error naming users/N', () => {
  assert.throws(() => basicAuth.compile({ users: [APR1, 'plain:password'], realm: 'traefik' }, keyOf('basicAuth')), { code: 'SY_MIDDLEWARE_CONFIG', key: 'traefik/http/middlewares/m/basicAuth/users/1' });
});
