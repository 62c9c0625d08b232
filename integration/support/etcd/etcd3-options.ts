/**
 * @module The `new Etcd3(…)` options that reach a harness server or cluster: hosts, and the client
 * certificate and credentials when TLS or auth is on. Plain data, so this file does not import etcd3.
 */
import { readFileSync } from 'node:fs';
import type { EtcdCredentials } from './etcdctl.ts';
import type { EtcdServerTls } from './etcd-server.ts';

export interface Etcd3ConnectOptions {
  hosts: string[];
  credentials?: { rootCertificate: Buffer; certChain: Buffer; privateKey: Buffer };
  auth?: { username: string; password: string };
}

export function etcd3Options(target: {
  readonly endpoints: readonly string[];
  readonly tls: EtcdServerTls | undefined;
  readonly auth: EtcdCredentials | undefined;
}): Etcd3ConnectOptions {
  const options: Etcd3ConnectOptions = { hosts: [...target.endpoints] };
  if (target.tls) {
    options.credentials = {
      rootCertificate: readFileSync(target.tls.ca),
      certChain: readFileSync(target.tls.cert),
      privateKey: readFileSync(target.tls.key),
    };
  }
  if (target.auth) options.auth = { username: target.auth.user, password: target.auth.password };
  return options;
}
