/**
 * @module The middleware types this version implements, by Traefik type name. A router that uses
 * any other type is disabled with SY_MIDDLEWARE_UNSUPPORTED rather than served without it: skipping
 * a basicAuth or an ipAllowList silently would open what the operator meant to close.
 */

export const middlewareTypes: ReadonlySet<string> = new Set<string>([]);
