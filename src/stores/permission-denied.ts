/**
 * @module The error for a store user (etcd) or ACL token (Consul) that lacks access to a prefix. A
 * node reads the routes under the rootKey and reads and writes its own state under the stateKey
 * (`--cluster.stateKey`); Traefik is usually given read access to the rootKey only, so the prefix
 * actually refused, and which flag owns it, is what the operator needs to know.
 */
import { SwitchyardError } from '../errors.ts';

export const STORE_PERMISSION_CODE = 'SY_STORE_PERMISSION';

/**
 * `who` names the credential (`the user in --providers.etcd.username`), `flag` is the one the
 * error is keyed on, `refused` the key or prefix the store refused (undefined when unknown).
 */
export function permissionDenied(store: 'etcd' | 'Consul', who: string, flag: string, refused: string | undefined, detail: string, cause: unknown): SwitchyardError {
  const where = refused === undefined ? 'a key' : `"${refused}"`;
  const providerFlag = store === 'etcd' ? '--providers.etcd.rootKey' : '--providers.consul.rootKey';
  return new SwitchyardError(
    STORE_PERMISSION_CODE,
    `${store} denied ${who} access to ${where} (${detail}): a node needs read access to the routes prefix (${providerFlag}) and read/write access to its state prefix (--cluster.stateKey, default "switchyard"); \`switchyard check\` needs the routes prefix only`,
    flag,
    { cause },
  );
}
