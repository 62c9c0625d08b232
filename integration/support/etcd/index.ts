/**
 * @module The etcd integration-test harness: real etcd 3.4 servers (Debian `etcd-server`) on
 * 127.0.0.1 with free ports and temp data dirs, stopped by PID and never outliving the test process.
 *
 *   const etcd = await startEtcd({ tls: 'client-cert', auth: { user: 'sy', password: 'pw' } });
 *   const client = new Etcd3(etcd3Options(etcd));
 *   …
 *   await etcd.close();
 *
 * Start-up times until healthy, measured here (2 vCPU VM, etcd 3.4.23, Node 24.21; median of 7,
 * min–max in brackets):
 *   one member (raft 10/100 ms)              61 ms (40–110);  restart 170 ms
 *   one member, TLS (PKI generation incl.)  200 ms (144–202)
 *   one member, auth (8 etcdctl calls)      380 ms (344–453)
 *   one member, TLS + auth                  459 ms (404–505)
 *   3-member cluster (raft 50/500 ms)       228 ms (138–369);  one member killed + restarted 96 ms
 *   3-member cluster, TLS + auth            790 ms (608–913)
 * With etcd's default raft timing (100/1000) one member takes ~0.8 s and a restart ~1.5 s; spawning
 * the three cluster members at once instead of one after the other takes ~2.2 s (etcd-cluster.ts).
 */
export { startEtcd, type EtcdOptions, type EtcdServer, type EtcdServerTls, type EtcdctlOptions } from './etcd-server.ts';
export { startEtcdCluster, type EtcdCluster } from './etcd-cluster.ts';
export { etcd3Options, type Etcd3ConnectOptions } from './etcd3-options.ts';
export type { EtcdClientTls, EtcdCredentials, EtcdctlResult } from './etcdctl.ts';
export { EtcdStartError, type EtcdStartFailure } from './etcd-start-error.ts';
