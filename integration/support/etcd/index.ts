/**
 * @module The etcd integration-test harness: real etcd 3.4 servers (Debian `etcd-server`) on
 * 127.0.0.1 with free ports and temp data dirs, stopped by PID and never outliving the test process.
 *
 *   const etcd = await startEtcd({ tls: 'client-cert', auth: { user: 'sy', password: 'pw' } });
 *   const client = new Etcd3(etcd3Options(etcd));
 *   …
 *   await etcd.close();
 *
 * Start-up times, measured here (2 vCPU, etcd 3.4.23, Node 24.21, heartbeat/election 50/500 ms):
 * TIMINGS
 */
export { startEtcd, type EtcdOptions, type EtcdServer, type EtcdServerTls, type EtcdctlOptions } from './etcd-server.ts';
export { startEtcdCluster, type EtcdCluster } from './etcd-cluster.ts';
export { etcd3Options, type Etcd3ConnectOptions } from './etcd3-options.ts';
export type { EtcdClientTls, EtcdCredentials, EtcdctlResult } from './etcdctl.ts';
export { EtcdStartError, type EtcdStartFailure } from './etcd-start-error.ts';
