/**
 * @module Traefik v3 dynamic configuration from flat store keys (etcd, Consul) or a flattened
 * file-provider tree, to the typed model. Each router, service, middleware and TLS object is
 * decoded and validated on its own: a bad key disables its object and nothing else.
 */

import type { z } from 'zod';
import type { ProblemData } from '../errors.ts';
import { compareBytes } from './byte-order.ts';
import { decodeObject, type Decoded } from './decode-object.ts';
import {
  middlewareSchema,
  routerSchema,
  serviceSchema,
  tlsCertificateSchema,
  tlsOptionsSchema,
  tlsStoreSchema,
  type DecodeResult,
} from './dynamic.ts';
import { KeyCode } from './key-codes.ts';
import { buildKeyTree, type KeyNode } from './key-tree.ts';

type Collection = Map<string, Decoded<unknown>>;
type Handler = (node: KeyNode) => void;
/** Handlers by lower-cased name (names match case-insensitively), with the canonical name for messages. */
type Section = ReadonlyMap<string, readonly [name: string, handle: Handler]>;

function section(handlers: Readonly<Record<string, Handler>>): Section {
  return new Map(Object.entries(handlers).map(([name, handle]) => [name.toLowerCase(), [name, handle]]));
}

/**
 * Decodes every entry under `rootKey/` (a string prefix in the store; `traefik2/…` is not under
 * `traefik`). No keys at all is an empty configuration, which clears the provider's routes.
 */
export function decodeKeyValues(
  entries: Iterable<readonly [key: string, value: string]>,
  rootKey: string,
): DecodeResult {
  const tree = buildKeyTree(entries, rootKey);
  const result: DecodeResult = {
    routers: new Map(),
    services: new Map(),
    middlewares: new Map(),
    tls: { certificates: new Map(), options: new Map(), stores: new Map() },
    problems: tree.problems,
  };
  const { problems } = result;
  const objects = (collection: Collection, schema: z.ZodType) => (node: KeyNode) =>
    decodeCollection(node, collection, schema, problems);
  const unsupported = (node: KeyNode) => problems.push(unsupportedSection(node));

  const http = section({
    routers: objects(result.routers, routerSchema),
    services: objects(result.services, serviceSchema),
    middlewares: objects(result.middlewares, middlewareSchema),
    serversTransports: unsupported,
  });
  const tls = section({
    certificates: objects(result.tls.certificates, tlsCertificateSchema),
    options: objects(result.tls.options, tlsOptionsSchema),
    stores: objects(result.tls.stores, tlsStoreSchema),
  });
  const topLevel = section({
    http: (node) => decodeSection(node, http, problems),
    tls: (node) => decodeSection(node, tls, problems),
    tcp: unsupported,
    udp: unsupported,
  });

  for (const [id, node] of tree.root.children) {
    const entry = topLevel.get(id);
    if (entry === undefined) problems.push(ignoredKey(node));
    else entry[1](node);
  }
  problems.sort((a, b) => compareBytes(a.key ?? '', b.key ?? ''));
  return result;
}

function decodeSection(node: KeyNode, section: Section, problems: ProblemData[]): void {
  if (!groupOnly(node, problems)) return;
  for (const [id, child] of node.children) {
    const entry = section.get(id);
    if (entry !== undefined) entry[1](child);
    else problems.push(unknownSection(child, [...section.values()].map(([name]) => name)));
  }
}

function decodeCollection(node: KeyNode, collection: Collection, schema: z.ZodType, problems: ProblemData[]): void {
  if (!groupOnly(node, problems)) return;
  for (const child of node.children.values()) collection.set(child.name, decodeObject(child, schema));
}

/**
 * A section or collection key set as a leaf has no object to own the error: report it here. An
 * empty leaf is an empty group (`routers: {}` in a file, a directory marker in etcd).
 */
function groupOnly(node: KeyNode, problems: ProblemData[]): boolean {
  if (node.value === undefined || node.value === '') return true;
  problems.push({
    code: KeyCode.standalone,
    message: `"${node.name}" cannot be a standalone element: expected keys under it, got the value ${JSON.stringify(node.value)}`,
    key: node.valueKey ?? node.key,
  });
  return false;
}

function unsupportedSection(node: KeyNode): ProblemData {
  return {
    code: KeyCode.unsupported,
    message: `"${node.name}" configuration is not supported yet; its keys are skipped`,
    key: node.key,
  };
}

function ignoredKey(node: KeyNode): ProblemData {
  return {
    code: KeyCode.ignored,
    message: `"${node.name}" is not a dynamic-configuration section (http, tcp, udp, tls); its keys are ignored, as Traefik does`,
    key: node.key,
  };
}

function unknownSection(node: KeyNode, known: readonly string[]): ProblemData {
  return {
    code: KeyCode.unknownField,
    message: `unknown field "${node.name}" (expected one of ${known.join(', ')}); its keys are skipped`,
    key: node.key,
  };
}
