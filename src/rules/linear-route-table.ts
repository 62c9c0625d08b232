/**
 * @module The reference route table: every route in precedence order, tried one by one, as
 * Traefik's muxer does. Kept as the oracle the indexed table is tested against.
 */
import { compileRoutes, type RouteDefinition, type RouteMatch, type RouteTable, type RouteTableBuild } from './compile-routes.ts';
import type { RoutingRequest } from './request.ts';

export function compileLinearRouteTable<T>(routes: ReadonlyArray<RouteDefinition<T>>): RouteTableBuild<T> {
  const { routes: ordered, errors } = compileRoutes(routes);
  const table: RouteTable<T> = {
    match(req: RoutingRequest): RouteMatch<T> | undefined {
      for (const route of ordered) if (route.match(req)) return route.result;
      return undefined;
    },
  };
  return { table, errors };
}
