/**
 * @module Which TLS options a router may ask for. Only the `default` options are applied to TLS
 * connections; and client-certificate authentication (`clientAuth`) is not implemented. A router is
 * therefore never served with TLS options other than the ones it names: one that names another
 * option set, or any TLS router while the default options demand client certificates, is disabled
 * with an error naming the key. Serving it would silently drop a security setting.
 */
import type { DecodeResult, RouterTls } from '../config/dynamic.ts';
import type { ProblemData } from '../errors.ts';

/** clientAuthType values under which a connection without a (valid) client certificate must fail. */
const DEMANDS_CERTIFICATES: ReadonlySet<string> = new Set(['RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert']);

export interface TlsPolicy {
  /** Equal for two configurations whose routers this policy judges alike (a build compares it). */
  readonly fingerprint: string;
  /** Qualified names of the defined option sets (`strict@etcd`). */
  readonly defined: ReadonlySet<string>;
  /** The default options' clientAuth, when it demands client certificates: its key. */
  readonly defaultClientAuth: string | undefined;
}

export function tlsPolicy(providers: ReadonlyMap<string, { readonly decoded: DecodeResult; readonly root: string }>): TlsPolicy {
  const defined = new Set<string>();
  let defaultClientAuth: string | undefined;
  for (const [provider, { decoded, root }] of providers) {
    for (const [name, d] of decoded.tls.options) {
      defined.add(`${name}@${provider}`);
      const clientAuth = d.value?.clientAuth;
      if (name !== 'default' || clientAuth === undefined) continue;
      // caFiles without a type still asks for verification (Traefik's RequireAndVerifyClientCert).
      const type = clientAuth.clientAuthType ?? ((clientAuth.caFiles?.length ?? 0) > 0 ? 'RequireAndVerifyClientCert' : 'NoClientCert');
      if (DEMANDS_CERTIFICATES.has(type)) defaultClientAuth = `${root}/tls/options/default/clientAuth`;
    }
  }
  return { fingerprint: JSON.stringify([[...defined].sort(), defaultClientAuth]), defined, defaultClientAuth };
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
  if (policy.defaultClientAuth !== undefined) {
    return { code: 'SY_ROUTER_TLS_OPTIONS', key: key('tls'), message: `the default TLS options require client certificates (${policy.defaultClientAuth}), which are not supported yet; the router is not served without them` };
  }
  return undefined;
}
