/**
 * @module One upstream server of a load-balanced service, as a data plane holds it: its parsed URL,
 * its pool, its weight and its current health. Built once per snapshot from plain data.
 */
import type { Pool } from 'undici';
import type { Balanced } from './load-balancer.ts';

export interface UpstreamServer extends Balanced {
  readonly url: string;
  readonly origin: string;
  /** host[:port] as the Host header carries it when passHostHeader is false. */
  readonly host: string;
  readonly hostname: string;
  readonly port: number;
  readonly secure: boolean;
  /** The server URL's own path, prepended when `preservePath` is set, else ''. */
  readonly pathPrefix: string;
  readonly pool: Pool;
  healthy: boolean;
}
