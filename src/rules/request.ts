/** @module The request view every matcher reads: plain strings prepared once per request by the proxy. */

/**
 * What the router sees of a request. The proxy builds it once; matchers only read it, so they can
 * run in any order and as often as the route table likes.
 *
 * Strings Node hands over from the wire (`rawQuery`, `rawHeaders` values) carry one character per
 * byte ("latin1"), exactly as Node's parser produces them; matchers compare them as bytes, like Go.
 */
export interface RoutingRequest {
  /** Already lowercased, port stripped, IPv6 brackets removed; '' when the request had none. */
  readonly host: string;
  /** The routing path from `routingPath()`: dot segments resolved, unreserved escapes decoded. */
  readonly path: string;
  readonly method: string;
  /** Text after '?', '' when none. */
  readonly rawQuery: string;
  /** Node's flat `[name, value, name, value…]` as received. */
  readonly rawHeaders: readonly string[];
  /** Socket remote address as Node reports it (`1.2.3.4`, `::1`, `::ffff:1.2.3.4`). */
  readonly clientIp: string;
}

/** A compiled matcher: a pure function of the request. */
export type RequestPredicate = (req: RoutingRequest) => boolean;
