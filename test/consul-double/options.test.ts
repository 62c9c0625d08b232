/**
 * The double's start-up options (double-only): key-name validation per Consul version, HTTPS with
 * and without client certificates, the txn op limit, and Consul's 2×TTL session timers.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startConsulDouble } from '../support/consul-double/consul-double.ts';
import { ConsulHttp, kvPath } from './consul-http.ts';

describe('consul double options', () => {
  test('keyValidation 1.22 (default): edge spaces and traversal are 400, other characters pass', async () => {
    const double = await startConsulDouble();
    const http = new ConsulHttp(double.url, undefined);
    assert.equal((await http.put(' padded')).status, 400);
    assert.equal((await http.call('PUT', '/v1/kv/a/b..%2Fc')).status, 400);
    assert.equal((await http.put('traefik/ça va/x:1')).status, 200);
    await http.close();
    await double.close();
  });

  test('keyValidation 1.21.5: the character regex, failing with a 500 as that release did', async () => {
    const double = await startConsulDouble({ keyValidation: '1.21.5' });
    const http = new ConsulHttp(double.url, undefined);
    const refused = await http.put('acme - example.com');
    assert.equal(refused.status, 500);
    assert.match(refused.text, /^invalid key name, keys should respect the "\^\[a-zA-Z0-9,_\.\/\\\\-\?&=\]\+\$" format$/);
    assert.equal((await http.put('traefik/http/routers/a/rule')).status, 200);
    await http.close();
    await double.close();
  });

  test('keyValidation none: any key, as before 1.21.5', async () => {
    const double = await startConsulDouble({ keyValidation: 'none' });
    const http = new ConsulHttp(double.url, undefined);
    assert.equal((await http.put(' padded ')).status, 200);
    assert.equal((await http.call('GET', kvPath(' padded '))).status, 200);
    await http.close();
    await double.close();
  });

  test('maxTxnOps raises the op limit to current Consul’s 128', async () => {
    const double = await startConsulDouble({ maxTxnOps: 128 });
    const http = new ConsulHttp(double.url, undefined);
    const ops = (count: number): unknown[] => Array.from({ length: count }, (_, i) => ({ KV: { Verb: 'set', Key: `t/${i}` } }));
    assert.equal((await http.txn(ops(128))).status, 200);
    assert.equal((await http.txn(ops(129))).text, 'Transaction contains too many operations (129 > 128)');
    await http.close();
    await double.close();
  });

  test('sessionTtlMultiplier 2: a session outlives its TTL, as Consul allows, and is gone by 2×TTL', async () => {
    const double = await startConsulDouble({ sessionTtlMin: '1s', sessionTtlMultiplier: 2 });
    const http = new ConsulHttp(double.url, undefined);
    const { ID } = (await http.call('PUT', '/v1/session/create', { body: '{"TTL":"1s","NodeChecks":[]}' })).json<{ ID: string }>();
    await http.put('held', 'x', `acquire=${ID}`);
    const held = await http.get('held');
    const released = await http.get('held', `index=${held.index}&wait=5s`);
    assert.equal(released.json<{ Session?: string }[]>()[0]?.Session, undefined);
    await http.close();
    await double.close();
  });

  describe('TLS', () => {
    let dir: string;
    let pem: { cert: string; key: string };
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'consul-double-tls-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      pem = { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('serves HTTPS with the given certificate; clients that do not trust it are refused', async () => {
      const double = await startConsulDouble({ tls: pem });
      assert.match(double.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const trusting = new ConsulHttp(double.url, undefined, { ca: pem.cert });
      assert.equal((await trusting.put('tls/k', 'v')).status, 200);
      const untrusting = new ConsulHttp(double.url, undefined);
      await assert.rejects(untrusting.get('tls/k'), /self[- ]signed|certificate/i);
      await Promise.all([trusting.close(), untrusting.close()]);
      await double.close();
    });

    test('with a CA, client certificates are required (verify_incoming)', async () => {
      const double = await startConsulDouble({ tls: { ...pem, ca: pem.cert } });
      const anonymous = new ConsulHttp(double.url, undefined, { ca: pem.cert });
      await assert.rejects(anonymous.get('tls/k'));
      const withCert = new ConsulHttp(double.url, undefined, { ca: pem.cert, ...pem });
      assert.equal((await withCert.get('tls/k')).status, 404);
      await Promise.all([anonymous.close(), withCert.close()]);
      await double.close();
    });
  });
});
