/**
 * Consul refusals, as an operator reads them: a token whose policy lacks a prefix is
 * SY_STORE_PERMISSION naming that prefix and the flags that set the prefixes; an unknown token, or
 * none at all, is SY_STORE_AUTH naming --providers.consul.token.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsulStatusError } from '../../src/stores/consul-http.ts';
import { ConsulStore } from '../../src/stores/consul-store.ts';

const withToken = new ConsulStore({ endpoints: ['127.0.0.1:1'], token: 'reader', flagPrefix: '--providers.consul' });
const withoutToken = new ConsulStore({ endpoints: ['127.0.0.1:1'], flagPrefix: '--providers.consul' });

test('a token whose policy cannot write the stateKey: the prefix refused and --cluster.stateKey are named', async () => {
  const explained = withToken.explain(new ConsulStatusError(403, 'Permission denied', 'switchyard/leader/acme'));
  assert.equal(explained.code, 'SY_STORE_PERMISSION');
  assert.equal(explained.key, '--providers.consul.token');
  assert.match(explained.message, /"switchyard\/leader\/acme"/);
  assert.match(explained.message, /--cluster\.stateKey/);
  assert.match(explained.message, /--providers\.consul\.rootKey/);
  await withToken.close();
});

test('an unknown token, or none, is an authentication problem naming --providers.consul.token', async () => {
  assert.equal(withToken.explain(new ConsulStatusError(403, 'ACL not found', 'traefik/')).code, 'SY_STORE_AUTH');
  const anonymous = withoutToken.explain(new ConsulStatusError(403, 'the ACL token cannot read traefik/ (results filtered by ACLs)', 'traefik/'));
  assert.equal(anonymous.code, 'SY_STORE_AUTH');
  assert.match(anonymous.message, /--providers\.consul\.token/);
  await withoutToken.close();
});
