/** SNI selection: exact names, one-label wildcards, case and trailing dots, bad PEM reported. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CertificateIndex } from '../../src/tls/certificate-index.ts';
import { selfSignedCertificate, type PemPair } from '../../src/tls/self-signed.ts';

let wild: PemPair;
let other: PemPair;
let exact: PemPair;

before(async () => {
  wild = await selfSignedCertificate('example.com', ['*.example.com']);
  other = await selfSignedCertificate('other.test');
  exact = await selfSignedCertificate('api.example.com');
});

test('exact names win over wildcards; a wildcard covers exactly one label', () => {
  const index = new CertificateIndex([{ id: 'wild', ...wild }, { id: 'other', ...other }, { id: 'exact', ...exact }], {}, new Map());
  assert.equal(index.select('example.com')?.id, 'wild');
  assert.equal(index.select('www.example.com')?.id, 'wild');
  assert.equal(index.select('api.example.com')?.id, 'exact');
  assert.equal(index.select('a.b.example.com'), undefined);
  assert.equal(index.select('OTHER.test.')?.id, 'other');
  assert.equal(index.select('unknown.test'), undefined);
  assert.deepEqual(index.select('other.test')?.names, ['other.test']);
});

test('secure contexts are reused for the same certificate across indexes', () => {
  const cache = new Map();
  const first = new CertificateIndex([{ id: 'a', ...other }], {}, cache);
  const second = new CertificateIndex([{ id: 'b', ...other }], {}, cache);
  assert.equal(first.select('other.test')?.context, second.select('other.test')?.context);
});

test('a certificate that does not parse is reported, the others indexed', () => {
  const index = new CertificateIndex([{ id: 'broken', certPem: 'not a pem', keyPem: 'nope' }, { id: 'other', ...other }], {}, new Map());
  assert.equal(index.errors.length, 1);
  assert.equal(index.errors[0]!.id, 'broken');
  assert.equal(index.select('other.test')?.id, 'other');
});
