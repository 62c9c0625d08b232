/**
 * @module Which certificates the routers ask for: every router with `tls.certResolver` wants one
 * certificate per `tls.domains` entry (main + sans), or, without domains, one for the hosts of its
 * Host() matchers (Traefik's rule). Routers asking for the same names share one certificate.
 */
import { compileRule } from '../rules/compile.ts';
import { certificateId } from './state-keys.ts';

export interface CertificateRequest {
  readonly certId: string;
  readonly resolver: string;
  readonly domains: readonly string[];
  readonly routers: string[];
}

export interface TlsRouter {
  readonly name: string;
  readonly rule: string;
  readonly syntax: 'v2' | 'v3';
  readonly certResolver: string;
  readonly domains: ReadonlyArray<{ readonly main?: string | undefined; readonly sans?: readonly string[] | undefined }> | undefined;
}

export function wantedCertificates(routers: readonly TlsRouter[]): Map<string, CertificateRequest> {
  const wanted = new Map<string, CertificateRequest>();
  for (const router of routers) {
    const sets: string[][] = [];
    if (router.domains !== undefined && router.domains.length > 0) {
      for (const d of router.domains) {
        const names = [d.main, ...(d.sans ?? [])].filter((n): n is string => n !== undefined && n !== '');
        if (names.length > 0) sets.push(names);
      }
    } else {
      let hosts: readonly string[] | undefined;
      try {
        hosts = compileRule(router.rule, router.syntax).hosts;
      } catch {
        hosts = undefined;
      }
      const names = (hosts ?? []).filter((h) => h !== '*' && !h.includes('*') || h.startsWith('*.'));
      if (names.length > 0) sets.push([...names]);
    }
    for (const set of sets) {
      const domains = [...new Set(set.map((n) => n.toLowerCase()))];
      const certId = certificateId(domains);
      const existing = wanted.get(certId);
      if (existing === undefined) wanted.set(certId, { certId, resolver: router.certResolver, domains, routers: [router.name] });
      else existing.routers.push(router.name);
    }
  }
  return wanted;
}
