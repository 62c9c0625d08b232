/**
 * @module The v2 matchers (`ruleSyntax=v2`), one entry per name (traefik/traefik
 * `pkg/muxer/http/matcher_v2.go`): several arguments mean OR, and HostRegexp, Path, PathPrefix and
 * Query take gorilla/mux templates, matched anchored.
 */
import { RuleError } from '../errors.ts';
import type { RuleArgument } from './ast.ts';
import { byteStringToUnicode, utf8ToByteString } from './byte-string.ts';
import { headerLookupName, someHeaderValue } from './header-scan.ts';
import { hostIndexKey, hostPredicate } from './host-match.ts';
import { clientIpPredicate } from './ip-match.ts';
import {
  asciiHost, NEVER, ONE_OR_MORE, PAIRS, requireAscii, requireLeadingSlash,
  type HostMatcherSpec, type MatcherRegistry, type RequestMatcherSpec,
} from './matcher-spec.ts';
import { muxTemplateToRe2, type TemplateKind } from './mux-template.ts';
import { firstQueryValue } from './query-scan.ts';
import { compileGoRegexp } from './regexp.ts';
import type { RequestPredicate, RoutingRequest } from './request.ts';
import type { UnicodeTables } from './unicode-tables.ts';

function anyOf(tests: ReadonlyArray<(value: string) => boolean>, read: (req: RoutingRequest) => string): RequestPredicate {
  return (req) => {
    const value = read(req);
    for (const test of tests) if (test(value)) return true;
    return false;
  };
}

function allOf(tests: readonly RequestPredicate[]): RequestPredicate {
  return (req) => {
    for (const test of tests) if (!test(req)) return false;
    return true;
  };
}

function templateTests(args: readonly RuleArgument[], kind: TemplateKind, tables: UnicodeTables) {
  return args.map((arg) => {
    const re = compileGoRegexp(muxTemplateToRe2(arg.value, kind, arg.column), arg.column, tables);
    return (value: string) => re.test(value);
  });
}

/** gorilla/mux keeps header pairs in a map: a repeated key keeps its last value. */
function headerPairs(args: readonly RuleArgument[]): Map<string, RuleArgument> {
  const pairs = new Map<string, RuleArgument>();
  for (let i = 0; i + 1 < args.length; i += 2) pairs.set(args[i]!.value, args[i + 1]!);
  return pairs;
}

function headersMatcher(valueTest: (value: RuleArgument, tables: UnicodeTables) => (candidate: string) => boolean): RequestMatcherSpec {
  return {
    arity: PAIRS,
    build(args, tables) {
      const tests = [...headerPairs(args)].map(([key, value]): RequestPredicate => {
        const test = valueTest(value, tables);
        const name = headerLookupName(key);
        return name === undefined ? NEVER : (req) => someHeaderValue(req.rawHeaders, name, test);
      });
      return allOf(tests);
    },
  };
}

const host: HostMatcherSpec = {
  arity: ONE_OR_MORE,
  hostTest(args) {
    const tests = args.map((arg) => hostPredicate(asciiHost(arg, 'Host'), false));
    return (value) => {
      for (const test of tests) if (test(value)) return true;
      return false;
    };
  },
  // v2 has no wildcards: a literal `*.x` host is left to the fallback list rather than indexed as one.
  hostKeys(args) {
    const hosts = args.map((arg) => arg.value.toLowerCase());
    return hosts.some((h) => h.startsWith('*.')) ? undefined : hosts.map(hostIndexKey);
  },
};

export const v2Matchers: MatcherRegistry = {
  Host: host,
  HostHeader: host,
  HostRegexp: {
    arity: ONE_OR_MORE,
    build(args, tables) {
      for (const arg of args) requireAscii(arg, 'HostRegexp');
      return anyOf(templateTests(args, 'host', tables), (req) => req.host);
    },
  },
  ClientIP: {
    arity: ONE_OR_MORE,
    build(args) {
      const test = clientIpPredicate(args);
      return (req) => test(req.clientIp);
    },
  },
  Path: {
    arity: ONE_OR_MORE,
    build(args, tables) {
      for (const arg of args) requireLeadingSlash(arg, 'Path');
      return anyOf(templateTests(args, 'path', tables), (req) => req.path);
    },
  },
  PathPrefix: {
    arity: ONE_OR_MORE,
    build(args, tables) {
      for (const arg of args) requireLeadingSlash(arg, 'PathPrefix');
      return anyOf(templateTests(args, 'prefix', tables), (req) => req.path);
    },
  },
  Method: {
    arity: ONE_OR_MORE,
    build(args) {
      const methods = args.map((arg) => arg.value.toUpperCase());
      return (req) => methods.includes(req.method);
    },
  },
  Headers: headersMatcher((value) => {
    const bytes = utf8ToByteString(value.value);
    return (candidate) => candidate === bytes;
  }),
  HeadersRegexp: headersMatcher((value, tables) => {
    const re = compileGoRegexp(value.value, value.column, tables);
    return (candidate) => re.test(byteStringToUnicode(candidate));
  }),
  Query: {
    arity: ONE_OR_MORE,
    build(args, tables) {
      // Traefik splits each argument once on '=' and hands the flat list to mux as key/value pairs.
      const flat = args.flatMap((arg) => {
        const equals = arg.value.indexOf('=');
        return equals < 0 ? [arg] : [{ ...arg, value: arg.value.slice(0, equals) }, { ...arg, value: arg.value.slice(equals + 1) }];
      });
      if (flat.length % 2 !== 0) {
        throw new RuleError('SY_RULE_MATCHER', 'Query: expected key=value pairs', args[0]!.column);
      }
      const tests: RequestPredicate[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const key = flat[i]!.value;
        const template = `${key}=${flat[i + 1]!.value}`;
        const re = compileGoRegexp(muxTemplateToRe2(template, 'query', flat[i]!.column), flat[i]!.column, tables);
        // mux tests `key=<first value>`, or '' when the key is absent.
        tests.push((req) => {
          const value = firstQueryValue(req.rawQuery, key);
          return re.test(value === undefined ? '' : `${key}=${value}`);
        });
      }
      return allOf(tests);
    },
  },
};
