/**
 * GET /api/tls/certificates' content: each served certificate with its names, issuer, validity and
 * where it came from, soonest expiry first, and a PEM that does not parse reported, not thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CertificateDescriptions } from '../../src/api/certificates-json.ts';
import { selfSignedCertificate } from '../../src/tls/self-signed.ts';

const DAY_MS = 86_400_000;

test('certificates are described from their PEM, soonest expiry first, with their source', async () => {
  const later = await selfSignedCertificate('later.test', ['later.test', 'www.later.test'], 90);
  const sooner = await selfSignedCertificate('sooner.test', ['sooner.test'], 5);
  const described = new CertificateDescriptions().describe([
    { id: 'traefik/tls/certificates/later', ...later },
    { id: 'le/sooner.test', ...sooner },
  ]);
  assert.deepEqual(described.map((c) => [c.id, c.source]), [['le/sooner.test', 'acme'], ['traefik/tls/certificates/later', 'configuration']]);
  const [first, second] = described;
  assert.deepEqual(first!.domains, ['sooner.test']);
  // The CN repeated among the SANs is listed once.
  assert.deepEqual(second!.domains, ['later.test', 'www.later.test']);
  assert.equal(second!.issuer, 'CN=later.test');
  const left = (Date.parse(first!.notAfter) - Date.now()) / DAY_MS;
  assert.ok(left > 4 && left <= 5, `${left} days left`);
  assert.ok(Date.parse(first!.notBefore) < Date.now());
});

test('a certificate that does not parse is listed with its error, first', async () => {
  const good = await selfSignedCertificate('good.test', [], 30);
  const described = new CertificateDescriptions().describe([
    { id: 'traefik/tls/certificates/good', ...good },
    { id: 'traefik/tls/certificates/bad', certPem: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n', keyPem: '' },
  ]);
  assert.equal(described[0]!.id, 'traefik/tls/certificates/bad');
  assert.equal(typeof described[0]!.error, 'string');
  assert.deepEqual(described[0]!.domains, []);
  assert.deepEqual(described[1]!.domains, ['good.test']);
  assert.equal(described[1]!.error, undefined);
});
