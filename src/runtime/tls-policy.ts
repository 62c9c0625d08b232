/**
 * @module Which TLS options a router may ask for. Only the `default` options are applied to TLS
 * connections (client-certificate authentication included), so a router is never served with TLS
 * options other than the ones it names: one that names another option set is disabled with an
 * error naming the key, and so is every TLS router while the default options themselves are
 * invalid (a bad clientAuth among them). Serving it would silently drop a security setting.
 */
import type { DecodeResult, RouterTls } from '../config/dynamic.ts';
import type { ProblemData } from '../errors.ts';

export interface TlsPolicy {
  /** Equal for two configurations whose routers this policy judges alike (a build compares it). */
  readonly fingerprint: string;
  /** Qualified names of the defined option sets (`strict@etcd`). */
  readonly defined: ReadonlySet<string>;
  /** The key of default options that do not decode (and so cannot be applied), if any. */
  readonly invalidDefault: string | undefined;
}

export function tlsPolicy(providers: ReadonlyMap<string, { readonly decoded: DecodeResult; readonly root: string }>): TlsPolicy {
  const defined = new Set<string>();
  let invalidDefault: string | undefined;
  for (const [provider, { decoded, root }] of providers) {
    for (const [name, d] of decoded.tls.options) {
      defined.add(`${name}@${provider}`);
      if (name === 'default' && d.value === undefined) invalidDefault ??= `${root}/tls/options/default`;
    }
  }
  return { fingerprint: JSON.stringify([[...defined].sort(), invalidDefault]), defined, invalidDefault };
}

/** Why a router with this `tls` section cannot be served, or undefined. */
export function routerTlsProblem(policy: TlsPolicy, tls: RouterTls | undefined, provider: string, key: (field: string) => string): ProblemData | undefined {
  if (tls === undefined) return undefined;
  const options = tls.options;
  if (options !== undefined && options !== '' && options !== 'default' && !options.startsWith('default@')) {
    const qualified = options.includes('@') ? options : `${options}@${provider}`;
    const message = policy.defined.has(qualified)
      ? `TLS options "${qualified}" cannot be applied: only the default TLS options are supported yet, and the router is not served without the options it names`
      : `TLS options "${qualified}" do not exist`;
    return { code: 'SY_ROUTER_TLS_OPTIONS', key: key('tls/options'), message };
  }
  if (policy.invalidDefault !== undefined) {
    return { code: 'SY_ROUTER_TLS_OPTIONS', key: key('tls'), message: `the default TLS options (${policy.invalidDefault}) are invalid and cannot be applied; the router is not served without them` };
  }
  return undefined;
}
