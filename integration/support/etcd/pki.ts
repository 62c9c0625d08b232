/**
 * @module A throwaway PKI for TLS tests, made with the `openssl` CLI: a CA, a server certificate for
 * 127.0.0.1/localhost, a client certificate, and a second CA with its own client certificate that the
 * server does not trust (for negative tests). EC P-256 keys, so generating all of it takes milliseconds.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** File paths of one certificate and its private key (PEM; keys are unencrypted PKCS#8). */
export interface CertPair {
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  /** The CA the server trusts for client certificates, and the client trusts for the server. */
  readonly ca: string;
  readonly server: CertPair;
  readonly client: CertPair;
  /** Signed by a different CA: the server must refuse it. */
  readonly untrusted: CertPair & { readonly ca: string };
}

/** Writes a fresh PKI into `dir` (created if missing). */
export async function createPki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const path = (name: string) => join(dir, name);
  await Promise.all([createCa(path('ca'), 'switchyard-test-ca'), createCa(path('untrusted-ca'), 'switchyard-untrusted-ca')]);
  // The server certificate also carries clientAuth: etcd 3.4's embedded gRPC gateway dials its own
  // client port with --cert-file, and --client-cert-auth then checks it as a client certificate.
  // The client CNs must not name an etcd user: with --client-cert-auth, etcd takes the CN as the user
  // name of any request that carries no token.
  await Promise.all([
    createLeaf(path('server'), path('ca'), 'etcd-test-server', 'serverAuth,clientAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n'),
    createLeaf(path('client'), path('ca'), 'switchyard-test-client', 'clientAuth', ''),
    createLeaf(path('untrusted-client'), path('untrusted-ca'), 'switchyard-untrusted-client', 'clientAuth', ''),
  ]);
  return {
    ca: path('ca.crt'),
    server: { cert: path('server.crt'), key: path('server.key') },
    client: { cert: path('client.crt'), key: path('client.key') },
    untrusted: { ca: path('untrusted-ca.crt'), cert: path('untrusted-client.crt'), key: path('untrusted-client.key') },
  };
}

const NEW_KEY = ['-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

async function createCa(base: string, cn: string): Promise<void> {
  await run('openssl', [
    'req', '-x509', '-new', ...NEW_KEY, '-keyout', `${base}.key`, '-out', `${base}.crt`, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

async function createLeaf(base: string, caBase: string, cn: string, usage: string, extra: string): Promise<void> {
  await run('openssl', ['req', '-new', ...NEW_KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${cn}`]);
  const ext = `${base}.ext`;
  await writeFile(ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage}\n${extra}`);
  // A random serial, so no .srl file is shared between the parallel signings.
  const serial = `0x${crypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '')}`;
  await run('openssl', [
    'x509', '-req', '-in', `${base}.csr`, '-CA', `${caBase}.crt`, '-CAkey', `${caBase}.key`, '-set_serial', serial,
    '-days', '2', '-extfile', ext, '-out', `${base}.crt`,
  ]);
}
