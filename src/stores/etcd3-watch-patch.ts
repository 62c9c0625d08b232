/**
 * @module A guard around a crash in etcd3 1.1.2: its WatchManager throws "Failed to find watcher
 * for IWatchResponse" from inside a gRPC stream callback when etcd still delivers a response for a
 * watcher we just cancelled (frequent after a reconnect with a backlog: a re-list cancels and
 * replaces the watch). The throw is uncaught and kills the process. A response for a watcher that no
 * longer exists carries nothing anyone waits for, so it is dropped instead. The other watchers on
 * the shared stream are unaffected; ours re-list on any doubt anyway.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface WatchManagerPrototype {
  handleResponse(this: { watchers: Array<{ id: string | null }> }, res: { watch_id: string }): void;
  __switchyardGuarded?: boolean;
}

export function guardEtcd3Watches(): void {
  const { WatchManager } = require('etcd3/lib/watch.js') as { WatchManager: { prototype: WatchManagerPrototype } };
  const proto = WatchManager.prototype;
  if (proto.__switchyardGuarded === true) return;
  const original = proto.handleResponse;
  proto.handleResponse = function guarded(res) {
    if (!this.watchers.some((w) => w.id === res.watch_id)) return;
    original.call(this, res);
  };
  proto.__switchyardGuarded = true;
}
