/**
 * @module The middleware types this version implements, by Traefik type name, each to the module
 * that compiles it. A router that uses any other type is disabled with SY_MIDDLEWARE_UNSUPPORTED
 * rather than served without it: skipping a basicAuth or an ipAllowList silently would open what
 * the operator meant to close. A new middleware is one new file and one line here.
 */
import { addPrefix } from './add-prefix.ts';
import { basicAuth } from './basic-auth.ts';
import { buffering } from './buffering.ts';
import { chain } from './chain.ts';
import { circuitBreaker } from './circuit-breaker.ts';
import { compress } from './compress.ts';
import { errorPages } from './error-pages.ts';
import { forwardAuth } from './forward-auth.ts';
import { headers } from './headers.ts';
import { inFlightReq } from './in-flight-req.ts';
import { ipAllowList } from './ip-allow-list.ts';
import type { MiddlewareDefinition } from './middleware.ts';
import { rateLimit } from './rate-limit.ts';
import { redirectRegex } from './redirect-regex.ts';
import { redirectScheme } from './redirect-scheme.ts';
import { replacePath } from './replace-path.ts';
import { replacePathRegex } from './replace-path-regex.ts';
import { retry } from './retry.ts';
import { stripPrefix } from './strip-prefix.ts';
import { stripPrefixRegex } from './strip-prefix-regex.ts';

// Each definition is typed by its own options; the registry sees them through their common shape.
type AnyDefinition = MiddlewareDefinition<never>;

export const middlewareDefinitions: Readonly<Record<string, AnyDefinition>> = {
  addPrefix,
  basicAuth,
  buffering,
  chain,
  circuitBreaker,
  compress,
  errors: errorPages,
  forwardAuth,
  headers,
  inFlightReq,
  ipAllowList,
  ipWhiteList: ipAllowList,
  rateLimit,
  redirectRegex,
  redirectScheme,
  replacePath,
  replacePathRegex,
  retry,
  stripPrefix,
  stripPrefixRegex,
} as Record<string, AnyDefinition>;

export const middlewareTypes: ReadonlySet<string> = new Set(Object.keys(middlewareDefinitions));
