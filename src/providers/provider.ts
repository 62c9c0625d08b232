/**
 * @module The contract every configuration source satisfies: it delivers the whole set of keys it
 * holds, with a revision, whenever that set changes. Decoding happens above it, the same for all.
 */

export interface ProviderUpdate {
  /** Every key the provider holds now, with its value. */
  readonly entries: ReadonlyArray<readonly [string, string]>;
  /** Increases with every change (the store's revision, or a counter). */
  readonly revision: number;
}

export interface ConfigProvider {
  /** Qualifies object names: `api@file`, `api@etcd`. */
  readonly name: string;
  /** Key root the provider's keys live under (what error messages name). */
  readonly root: string;
  start(onUpdate: (update: ProviderUpdate) => void): Promise<void>;
  stop(): Promise<void>;
}
