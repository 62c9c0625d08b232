/** @module Flat store keys → a tree of segments under the root, Traefik's first decoding stage. */

import type { ProblemData } from '../errors.ts';
import { compareBytes } from './byte-order.ts';
import { KeyCode } from './key-codes.ts';

export interface KeyNode {
  /** The segment as first written, in byte order of the keys (Traefik keeps that spelling). */
  readonly name: string;
  /** The full store key of this node as first written (`traefik/http/routers/api`). */
  readonly key: string;
  /** Set when a key ends here. Case-variant siblings share a node, and the later key's value wins. */
  value: string | undefined;
  /** The full store key that set `value`: where a bad value must be reported. */
  valueKey: string | undefined;
  /** Children by lower-cased segment: names are matched case-insensitively, as Traefik does. */
  readonly children: Map<string, KeyNode>;
}

export interface KeyTree {
  readonly root: KeyNode;
  /** Keys skipped for their shape (leading `/`, empty segment), one problem per key. */
  readonly problems: ProblemData[];
}

/**
 * Groups the entries under `rootKey` into a tree. Keys outside the root (including `traefik2/…`
 * for root `traefik`) are not ours and are dropped silently; malformed keys under the root are
 * reported. Consul "folder" keys (`…/`, empty value) carry nothing and are dropped: left in, they
 * would overwrite a list decoded from its indexed keys (traefik/traefik#12746).
 */
export function buildKeyTree(
  entries: Iterable<readonly [key: string, value: string]>,
  rootKey: string,
): KeyTree {
  const root = normalizeRoot(rootKey);
  const prefix = root === '' ? '' : `${root}/`;
  const tree = newNode(root, root);
  const problems: ProblemData[] = [];
  const values = new Map(entries);
  for (const key of inByteOrder([...values.keys()])) {
    const value = values.get(key) ?? '';
    if (!key.startsWith(prefix)) {
      if (key.startsWith('/') && key.replace(/^\/+/, '').startsWith(prefix)) {
        problems.push(leadingSlash(key));
      }
      continue;
    }
    if (key.endsWith('/') && value === '') continue;
    const segments = key.slice(prefix.length).split('/');
    if (segments.includes('')) {
      problems.push(emptySegment(key));
      continue;
    }
    insert(tree, key, prefix.length, segments, value);
  }
  return { root: tree, problems };
}

/**
 * Byte order decides which spelling of case-variant names wins and which value overwrites. etcd
 * and Consul already list keys in byte order, so a linear check usually saves the sort.
 */
function inByteOrder(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    if (compareBytes(keys[i - 1] ?? '', keys[i] ?? '') > 0) return keys.sort(compareBytes);
  }
  return keys;
}

function normalizeRoot(rootKey: string): string {
  return rootKey.replace(/\/+$/, '');
}

function insert(
  root: KeyNode,
  key: string,
  start: number,
  segments: readonly string[],
  value: string,
): void {
  let node = root;
  let end = start;
  for (const segment of segments) {
    end += segment.length;
    const id = segment.toLowerCase();
    let child = node.children.get(id);
    if (child === undefined) {
      child = newNode(segment, key.slice(0, end));
      node.children.set(id, child);
    }
    node = child;
    end += 1;
  }
  node.value = value;
  node.valueKey = key;
}

function newNode(name: string, key: string): KeyNode {
  return { name, key, value: undefined, valueKey: undefined, children: new Map() };
}

function leadingSlash(key: string): ProblemData {
  return {
    code: KeyCode.leadingSlash,
    message: 'key starts with "/": Traefik never reads it (etcd strips the slash from the prefix); remove the leading "/"',
    key,
  };
}

function emptySegment(key: string): ProblemData {
  return {
    code: KeyCode.emptySegment,
    message: 'key has an empty segment ("//" or a trailing "/" with a value); the key is skipped',
    key,
  };
}
