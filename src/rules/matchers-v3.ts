/**
 * @module The v3 matchers (Traefik's default syntax), one entry per matcher name
 * (traefik/traefik `pkg/muxer/http/matcher.go`). Each builder validates once and returns a test
 * that reads the request without allocating.
 */
import { byteStringToUnicode, utf8ToByteString } from './byte-string.ts';
import { headerLookupName, someHeaderValue } from './header-scan.ts';
import { hostIndexKey, hostPredicate } from './host-match.ts';
import { clientIpPredicate } from './ip-match.ts';
import {
  asciiHost, NEVER, ONE, ONE_OR_TWO, requireAscii, requireLeadingSlash, TWO,
  type MatcherRegistry, type RequestMatcherSpec,
} from './matcher-spec.ts';
import { someQueryValue } from './query-scan.ts';
import { compileGoRegexp } from './regexp.ts';

/** `Query(k)` asks for `k` with an empty value (`?k` or `?k=`); `Query(k, v)` for any value equal to `v`. */
const query: RequestMatcherSpec = {
  arity: ONE_OR_TWO,
  build([key, value]) {
    const name = key!.value;
    const wanted = value?.value ?? '';
    const equalsWanted = (candidate: string): boolean => candidate === wanted;
    return (req) => someQueryValue(req.rawQuery, name, equalsWanted);
  },
};

export const v3Matchers: MatcherRegistry = {
  ClientIP: {
    arity: ONE,
    build(args) {
      const test = clientIpPredicate(args);
      return (req) => test(req.clientIp);
    },
  },
  Method: {
    arity: ONE,
    build([arg]) {
      const method = arg!.value.toUpperCase();
      return (req) => req.method === method;
    },
  },
  Host: {
    arity: ONE,
    hostTest: ([arg]) => hostPredicate(asciiHost(arg!, 'Host'), true),
    hostKeys([arg]) {
      const host = arg!.value.toLowerCase();
      return host === '*' ? undefined : [hostIndexKey(host)];
    },
  },
  HostRegexp: {
    arity: ONE,
    build([arg], tables) {
      requireAscii(arg!, 'HostRegexp');
      const re = compileGoRegexp(arg!.value, arg!.column, tables);
      return (req) => re.test(req.host);
    },
  },
  Path: {
    arity: ONE,
    build([arg]) {
      const path = requireLeadingSlash(arg!, 'Path');
      return (req) => req.path === path;
    },
  },
  PathPrefix: {
    arity: ONE,
    build([arg]) {
      // A plain string prefix: `/products` also matches `/products-for-sale`, as in Traefik.
      const prefix = requireLeadingSlash(arg!, 'PathPrefix');
      return (req) => req.path.startsWith(prefix);
    },
  },
  PathRegexp: {
    arity: ONE,
    build([arg], tables) {
      const re = compileGoRegexp(arg!.value, arg!.column, tables);
      return (req) => re.test(req.path);
    },
  },
  Header: {
    arity: TWO,
    build([key, value]) {
      const name = headerLookupName(key!.value);
      if (name === undefined) return NEVER;
      // Node gives header values one char per byte; compare with the argument's UTF-8 bytes.
      const bytes = utf8ToByteString(value!.value);
      const equalsBytes = (candidate: string): boolean => candidate === bytes;
      return (req) => someHeaderValue(req.rawHeaders, name, equalsBytes);
    },
  },
  HeaderRegexp: {
    arity: TWO,
    build([key, pattern], tables) {
      const re = compileGoRegexp(pattern!.value, pattern!.column, tables);
      const name = headerLookupName(key!.value);
      if (name === undefined) return NEVER;
      const matches = (candidate: string): boolean => re.test(byteStringToUnicode(candidate));
      return (req) => someHeaderValue(req.rawHeaders, name, matches);
    },
  },
  Query: query,
  QueryRegexp: {
    arity: ONE_OR_TWO,
    build(args, tables) {
      const [key, pattern] = args;
      if (pattern === undefined) return query.build(args, tables);
      const re = compileGoRegexp(pattern.value, pattern.column, tables);
      const name = key!.value;
      const matches = (candidate: string): boolean => re.test(candidate);
      return (req) => someQueryValue(req.rawQuery, name, matches);
    },
  },
};
