/** Private keys in the store: sealed with AES-256-GCM when a secret is set, readable only with it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../../src/cluster/secret-box.ts';

test('sealed values round-trip, never contain the plain text, and differ each time', () => {
  const box = new SecretBox(randomBytes(32));
  const pem = '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n';
  const a = box.seal(pem);
  const b = box.seal(pem);
  assert.ok(a.startsWith('enc:v1:'));
  assert.ok(!a.includes('PRIVATE KEY'));
  assert.notEqual(a, b);
  assert.equal(box.open(a), pem);
});

test('without a secret values stay plain; an encrypted value then says a secret is needed', () => {
  const none = new SecretBox(undefined);
  assert.equal(none.seal('x'), 'x');
  const sealed = new SecretBox(randomBytes(32)).seal('x');
  assert.throws(() => none.open(sealed), { code: 'SY_SECRET_MISSING' });
});

test('another secret cannot open it', () => {
  const sealed = new SecretBox(randomBytes(32)).seal('x');
  assert.throws(() => new SecretBox(randomBytes(32)).open(sealed), { code: 'SY_SECRET_MISMATCH' });
});

test('the secret file takes raw bytes, hex or base64, and refuses other sizes naming the flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-secret-'));
  const key = randomBytes(32);
  for (const [name, content] of [['raw', key], ['hex', key.toString('hex')], ['b64', key.toString('base64')]] as const) {
    writeFileSync(join(dir, name), content);
    assert.equal(SecretBox.fromFile(join(dir, name)).open(new SecretBox(key).seal('ok')), 'ok');
  }
  writeFileSync(join(dir, 'short'), 'abc');
  assert.throws(() => SecretBox.fromFile(join(dir, 'short')), { code: 'SY_SECRET_FILE', key: '--cluster.secretFile' });
});
