/**
 * @module Which load balancers the fast path serves itself: those that only pick a server and
 * forward (no sticky cookie to read or set, no passive health check counting failures) to plain
 * HTTP servers. Others go to the full path. Told from the spec the service was built from, once per
 * service object (a snapshot that keeps the service keeps the answer).
 */
import type { LoadBalancerSpec } from '../../runtime/snapshot.ts';
import { LoadBalancerService } from '../service-handlers.ts';

const verdicts = new WeakMap<LoadBalancerService, boolean>();

export function servedByFastPath(service: unknown): service is LoadBalancerService {
  if (!(service instanceof LoadBalancerService)) return false;
  let verdict = verdicts.get(service);
  if (verdict === undefined) {
    const spec = JSON.parse(service.fingerprint) as LoadBalancerSpec;
    verdict = spec.sticky === undefined && spec.passiveHealthCheck === undefined && service.servers.every((s) => !s.secure);
    verdicts.set(service, verdict);
  }
  return verdict;
}
