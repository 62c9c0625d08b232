/**
 * @module The two stores the provider suite runs against, behind one shape: a real etcd (Debian
 * etcd-server) and our Consul HTTP-API double. Each gives the node flags to reach it, a way to write
 * keys as operators do, and a real outage (the server stops; the data survives the restart).
 */
import { Etcd3 } from 'etcd3';
import { request } from 'undici';
import { startConsulDouble, type ConsulDouble } from '../../test/support/consul-double/consul-double.ts';
import { etcd3Options, startEtcd, type EtcdServer } from './etcd/index.ts';

export interface StoreTarget {
  readonly kind: 'etcd' | 'consul';
  /** Provider flags for `switchyard run|check|status`. */
  readonly flags: readonly string[];
  put(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
  /** The server stops answering (connection refused); data is kept. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function etcdTarget(): Promise<StoreTarget & { readonly server: EtcdServer }> {
  const server = await startEtcd();
  let client = new Etcd3(etcd3Options(server));
  return {
    kind: 'etcd',
    server,
    flags: [`--providers.etcd.endpoints=${server.endpoints.join(',')}`],
    put: async (key, value) => void (await client.put(key).value(value).exec()),
    del: async (key) => void (await client.delete().key(key).exec()),
    stop: async () => {
      client.close();
      await server.stop();
    },
    start: async () => {
      await server.restart();
      client = new Etcd3(etcd3Options(server));
    },
    close: async () => {
      client.close();
      await server.close();
    },
  };
}

export async function consulTarget(): Promise<StoreTarget & { readonly double: ConsulDouble }> {
  const double = await startConsulDouble({ sessionTtlMin: '1s' });
  const call = async (method: 'PUT' | 'DELETE', key: string, body?: string) => {
    const res = await request(`${double.url}/v1/kv/${key}`, { method, ...(body === undefined ? {} : { body }) });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`consul double ${method} ${key}: ${res.statusCode}`);
  };
  return {
    kind: 'consul',
    double,
    flags: [`--providers.consul.endpoints=${double.address}`],
    put: (key, value) => call('PUT', key, value),
    del: (key) => call('DELETE', key),
    stop: () => double.knobs.stop(),
    start: () => double.knobs.restart(),
    close: () => double.close(),
  };
}
