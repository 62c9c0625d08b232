/**
 * @module Key tree → loosely typed object, guided by the zod schema: field names matched without
 * case, lists and maps assembled with Traefik's rules, scalars coerced. Every failure is recorded
 * against the exact key and decoding goes on, so one pass reports every bad key of an object.
 */

import type { z } from 'zod';
import type { ProblemData } from '../errors.ts';
import { compareBytes, compareIndexes, compareLabels, isIndexLabel } from './byte-order.ts';
import { KeyCode } from './key-codes.ts';
import type { KeyNode } from './key-tree.ts';
import type { DecodedPath, Provenance } from './provenance.ts';
import { coerceScalar, type ScalarKind } from './scalars.ts';
import { describeSchema, type Shape } from './schema-kinds.ts';

export interface DecodeContext {
  readonly errors: ProblemData[];
  readonly provenance: Provenance;
}

/** Returned for a node that decodes to nothing (a presence key switched off, a childless scalar). */
export const absent: unique symbol = Symbol('absent');

/**
 * Decodes `node` as `schema`. The result is what could be read: values that failed to coerce are
 * kept as their text and their path is marked failed, so the caller can show them and zod does
 * not report them twice.
 */
export function decodeNode(node: KeyNode, schema: z.ZodType, path: DecodedPath, context: DecodeContext): unknown {
  const { shape, presence } = describeSchema(schema);
  if (node.value !== undefined && shape.kind === 'struct' && presence) {
    // Traefik's allowEmpty: "" or true (any case) enables, anything else disables, children or not.
    if (node.value !== '' && node.value.toLowerCase() !== 'true') return absent;
    return decodeChildren(node, shape, path, context);
  }
  // `never`: TS cannot correlate the table entry with the narrowed shape; the table's type does.
  return decoders[shape.kind](node, shape as never, path, context);
}

type Decoder<K extends Shape['kind']> = (
  node: KeyNode,
  shape: Extract<Shape, { kind: K }>,
  path: DecodedPath,
  context: DecodeContext,
) => unknown;

/** One decoder per shape: adding a shape is one entry here and one case in schema-kinds. */
const decoders: { readonly [K in Shape['kind']]: Decoder<K> } = {
  struct(node, shape, path, context) {
    // An empty leaf beside children is an etcd-style directory marker; anything else is a value
    // where a struct belongs.
    if (node.value !== undefined && (node.value !== '' || node.children.size === 0)) {
      return standalone(node, path, context, 'a group of keys');
    }
    return decodeChildren(node, shape, path, context);
  },

  structList(node, shape, path, context) {
    if (node.children.size === 0) return emptyOrStandalone(node, path, context, 'a list of groups of keys', []);
    context.provenance.record(path, node.key);
    const children = [...node.children.values()];
    const order = compareLabels(children.map((child) => child.name));
    children.sort((a, b) => order(a.name, b.name));
    return children.map((child, index) => decodeNode(child, shape.element, [...path, index], context));
  },

  list(node, shape, path, context) {
    if (node.children.size === 0) {
      context.provenance.record(path, node.valueKey ?? node.key);
      const text = node.value ?? '';
      // Traefik joins and re-splits on commas; one plain key holding "a, b" is a list of two.
      const items = text === '' ? [] : text.split(',').map((item) => item.trim());
      return items.map((item, index) => coerceAt(item, shape.element, node.valueKey ?? node.key, [...path, index], context));
    }
    // When both forms exist the indexed keys win, as in Traefik.
    context.provenance.record(path, node.key);
    const indexed = [...node.children.values()].filter((child) => {
      if (isIndexLabel(child.name)) return true;
      report(context, KeyCode.badIndex, child.key, `expected a list index (0, 1, 2…), got "${child.name}"`);
      context.provenance.markFailed(path);
      return false;
    });
    indexed.sort((a, b) => compareIndexes(a.name, b.name));
    const items: unknown[] = [];
    for (const child of indexed) {
      rejectChildren(child, context);
      if (child.value === undefined) continue;
      const itemPath = [...path, items.length];
      context.provenance.record(itemPath, child.valueKey ?? child.key);
      // Trimmed like Traefik, but not split on commas: a regex such as ^/x/[0-9]{1,3} stays whole.
      items.push(coerceAt(child.value.trim(), shape.element, child.valueKey ?? child.key, itemPath, context));
    }
    return items;
  },

  map(node, shape, path, context) {
    if (node.children.size === 0) return emptyOrStandalone(node, path, context, 'a map of names to values', {});
    context.provenance.record(path, node.key);
    const entries: Record<string, unknown> = {};
    for (const child of node.children.values()) {
      rejectChildren(child, context);
      if (child.value === undefined) continue;
      const entryPath = [...path, child.name];
      context.provenance.record(entryPath, child.valueKey ?? child.key);
      setOwn(entries, child.name, coerceAt(child.value, shape.value, child.valueKey ?? child.key, entryPath, context));
    }
    return entries;
  },

  raw(node, _shape, path, context) {
    context.provenance.record(path, node.key);
    return rawTreeOf(node);
  },

  scalar(node, shape, path, context) {
    rejectChildren(node, context);
    if (node.value === undefined || node.valueKey === undefined) return absent;
    context.provenance.record(path, node.valueKey);
    return coerceAt(node.value, shape.scalar, node.valueKey, path, context);
  },
};

function decodeChildren(
  node: KeyNode,
  shape: Extract<Shape, { kind: 'struct' }>,
  path: DecodedPath,
  context: DecodeContext,
): Record<string, unknown> {
  context.provenance.record(path, node.key);
  const fields: Record<string, unknown> = {};
  for (const [id, child] of node.children) {
    const field = shape.fields.get(id);
    if (field === undefined) {
      const known = [...shape.fields.values()].map(([name]) => name).sort(compareBytes).join(', ');
      report(context, KeyCode.unknownField, child.key, `unknown ${shape.fieldLabel} "${child.name}" (expected one of ${known})`);
      context.provenance.markFailed([...path, child.name]);
      setOwn(fields, child.name, rawTreeOf(child));
      continue;
    }
    const [name, schema] = field;
    const value = decodeNode(child, schema, [...path, name], context);
    if (value !== absent) setOwn(fields, name, value);
  }
  return fields;
}

function coerceAt(text: string, kind: ScalarKind, key: string, path: DecodedPath, context: DecodeContext): unknown {
  const coerced = coerceScalar(kind, text);
  if (coerced.ok) return coerced.value;
  report(context, coerced.code, key, `expected ${coerced.expected}, got ${JSON.stringify(text)}`);
  context.provenance.markFailed(path);
  return text;
}

function emptyOrStandalone(
  node: KeyNode,
  path: DecodedPath,
  context: DecodeContext,
  expected: string,
  empty: unknown,
): unknown {
  // An empty leaf is what an empty YAML list or map ({} / []) flattens to.
  if (node.value === '') {
    context.provenance.record(path, node.valueKey ?? node.key);
    return empty;
  }
  return standalone(node, path, context, expected);
}

function standalone(node: KeyNode, path: DecodedPath, context: DecodeContext, expected: string): unknown {
  const key = node.valueKey ?? node.key;
  report(context, KeyCode.standalone, key, `"${node.name}" cannot be a standalone element: expected ${expected} under it, got the value ${JSON.stringify(node.value)}`);
  context.provenance.record(path, key);
  context.provenance.markFailed(path);
  return node.value;
}

/** Keys below a scalar or a map entry name fields that do not exist. */
function rejectChildren(node: KeyNode, context: DecodeContext): void {
  for (const child of node.children.values()) {
    report(context, KeyCode.unknownField, child.key, `unknown field "${child.name}": "${node.name}" holds a single value`);
  }
}

function rawTreeOf(node: KeyNode): unknown {
  if (node.children.size === 0) return node.value ?? '';
  const tree: Record<string, unknown> = {};
  for (const child of node.children.values()) setOwn(tree, child.name, rawTreeOf(child));
  return tree;
}

/** Plain assignment would let a header named `__proto__` replace the object's prototype. */
function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

function report(context: DecodeContext, code: string, key: string, message: string): void {
  context.errors.push({ code, message, key });
}
