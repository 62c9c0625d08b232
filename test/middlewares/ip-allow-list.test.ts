import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipAllowList } from '../../src/middlewares/ip-allow-list.ts';
import { answer, keyOf, run, wrapContext } from '../support/fake-exchange.ts';

const build = (options: Parameters<typeof ipAllowList.compile>[0]) => ipAllowList.compile(options, keyOf('ipAllowList'))(answer(), wrapContext());

test('403 Forbidden for addresses outside sourceRange; the peer address by default', async () => {
  const mw = build({ sourceRange: ['10.0.0.0/8', '192.168.1.7'], rejectStatusCode: 403 });
  assert.equal((await run(mw, { clientIp: '10.1.2.3' })).res.status, 200);
  assert.equal((await run(mw, { clientIp: '::ffff:192.168.1.7' })).res.status, 200);
  const denied = await run(mw, { clientIp: '172.16.0.1', headers: { 'x-forwarded-for': '10.0.0.1' }, trustForwarded: true });
  assert.equal(denied.res.status, 403);
  assert.equal(denied.res.text, 'Forbidden');
});

test('ipStrategy.depth reads X-Forwarded-For from the right (from trusted peers only)', async () => {
  const mw = build({ sourceRange: ['1.1.1.1'], ipStrategy: { depth: 2 }, rejectStatusCode: 403 });
  const xff = { 'x-forwarded-for': '9.9.9.9, 1.1.1.1, 2.2.2.2' };
  assert.equal((await run(mw, { headers: xff, trustForwarded: true })).res.status, 200);
  assert.equal((await run(mw, { headers: { 'x-forwarded-for': '1.1.1.1' }, trustForwarded: true })).res.status, 403, 'fewer entries than depth');
  assert.equal((await run(mw, { headers: xff })).res.status, 403, 'an untrusted peer\'s X-Forwarded-For is not read');
  assert.equal((await run(mw, { headers: xff, trustedIPs: ['10.0.0.0/8'] })).res.status, 200);
});

test('excludedIPs: the right-most address not excluded', async () => {
  const mw = build({ sourceRange: ['3.3.3.3'], ipStrategy: { excludedIPs: ['4.4.4.0/24'] }, rejectStatusCode: 403 });
  assert.equal((await run(mw, { headers: { 'x-forwarded-for': '3.3.3.3, 4.4.4.4, 4.4.4.5' }, trustForwarded: true })).res.status, 200);
});

test('rejectStatusCode and the ipWhiteList alias', async () => {
  const mw = build({ sourceRange: ['1.2.3.4'], rejectStatusCode: 404 });
  const r = await run(mw);
  assert.equal(r.res.status, 404);
  assert.equal(r.res.text, 'Not Found');
  const alias = ipAllowList.compile({ sourceRange: ['10.0.0.1'] }, keyOf('ipWhiteList'))(answer(), wrapContext());
  assert.equal((await run(alias, { clientIp: '10.0.0.2' })).res.status, 403);
});

test('a bad CIDR names its index', () => {
  assert.throws(() => ipAllowList.compile({ sourceRange: ['10.0.0.0/8', '10.0.0.0/33'], rejectStatusCode: 403 }, keyOf('ipAllowList')), { code: 'SY_MIDDLEWARE_CONFIG', key: 'traefik/http/middlewares/m/ipAllowList/sourceRange/1' });
});
