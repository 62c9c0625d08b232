/**
 * @module The control plane's compile step for middlewares: runs each one's `compile` (nothing is
 * wrapped, nothing is kept) so that a bad regex, CIDR, hash or range disables that middleware with
 * an error naming its key (SY_MIDDLEWARE_CONFIG), visible in the API, before any data plane sees it.
 */
import type { ProblemData } from '../errors.ts';
import { MiddlewareConfigError } from './middleware.ts';
import { middlewareDefinitions } from './registry.ts';

/** Problems of one decoded middleware; `base` is its key (`traefik/http/middlewares/auth`). */
export function checkMiddleware(type: string, options: unknown, base: string): ProblemData[] {
  const definition = middlewareDefinitions[type];
  if (definition === undefined) return [];
  try {
    definition.compile(options as never, (option) => `${base}/${type}/${option}`);
    return [];
  } catch (error) {
    if (error instanceof MiddlewareConfigError) return [error.toJSON()];
    return [{ code: 'SY_MIDDLEWARE_CONFIG', key: `${base}/${type}`, message: (error as Error).message }];
  }
}

/** The qualified services and middlewares a middleware refers to (errors, chain). */
export function middlewareReferences(type: string, options: unknown): { services: readonly string[]; middlewares: readonly string[] } {
  const refs = middlewareDefinitions[type]?.references?.(options as never);
  return { services: refs?.services ?? [], middlewares: refs?.middlewares ?? [] };
}
