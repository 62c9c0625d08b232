/**
 * @module What the key decoder needs to know about a zod schema: is it a struct, a list, a map, a
 * scalar of which kind, a presence key? The zod schemas stay the single description of the model;
 * this reads them (and a small registry for what zod cannot express) instead of a parallel table.
 */

import { z } from 'zod';
import { KeyCode } from './key-codes.ts';
import type { ScalarKind } from './scalars.ts';

interface KindMeta {
  /** A struct that may be set as a leaf: `""`/`true` enables it with defaults (Traefik `allowEmpty`). */
  readonly presence?: true;
  /** A number read with the duration syntax, in milliseconds. */
  readonly duration?: true;
  /** A free-form tree (plugin configuration): kept as nested strings. */
  readonly raw?: true;
  /** Names the fields of this struct in "unknown …" messages (`middleware type`). */
  readonly fieldLabel?: string;
}

const kindRegistry = z.registry<KindMeta, z.ZodType>();

export type Shape =
  | { readonly kind: 'struct'; readonly fields: ReadonlyMap<string, [string, z.ZodType]>; readonly fieldLabel: string }
  | { readonly kind: 'structList'; readonly element: z.ZodType }
  | { readonly kind: 'list'; readonly element: ScalarKind }
  | { readonly kind: 'map'; readonly value: ScalarKind }
  | { readonly kind: 'raw' }
  | { readonly kind: 'scalar'; readonly scalar: ScalarKind };

export interface Described {
  readonly shape: Shape;
  readonly presence: boolean;
}

/** The subset of zod's internal definition the walk reads; zod's own types are a wide union. */
interface Definition {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
}

const definitionOf = (schema: z.ZodType): Definition => schema.def as unknown as Definition;

/** Wrappers that change presence or defaults but not the shape of the keys. */
const wrappers = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional']);

const cache = new WeakMap<z.ZodType, Described>();

export function describeSchema(schema: z.ZodType): Described {
  let described = cache.get(schema);
  if (described === undefined) {
    described = describeUncached(schema);
    cache.set(schema, described);
  }
  return described;
}

function describeUncached(schema: z.ZodType): Described {
  let meta: KindMeta = {};
  let current = schema;
  for (;;) {
    meta = { ...meta, ...kindRegistry.get(current) };
    const definition = definitionOf(current);
    if (!wrappers.has(definition.type) || definition.innerType === undefined) break;
    current = definition.innerType;
  }
  return { shape: shapeOf(current, meta), presence: meta.presence === true };
}

function shapeOf(schema: z.ZodType, meta: KindMeta): Shape {
  const definition = definitionOf(schema);
  if (meta.raw) return { kind: 'raw' };
  if (definition.type === 'object' && definition.shape !== undefined) {
    const fields = new Map<string, [string, z.ZodType]>();
    for (const [name, field] of Object.entries(definition.shape)) fields.set(name.toLowerCase(), [name, field]);
    return { kind: 'struct', fields, fieldLabel: meta.fieldLabel ?? 'field' };
  }
  if (definition.type === 'array' && definition.element !== undefined) {
    const element = describeSchema(definition.element).shape;
    return element.kind === 'scalar'
      ? { kind: 'list', element: element.scalar }
      : { kind: 'structList', element: definition.element };
  }
  if (definition.type === 'record' && definition.valueType !== undefined) {
    const value = describeSchema(definition.valueType).shape;
    return value.kind === 'scalar' ? { kind: 'map', value: value.scalar } : { kind: 'raw' };
  }
  return { kind: 'scalar', scalar: scalarKindOf(definition.type, meta) };
}

function scalarKindOf(type: string, meta: KindMeta): ScalarKind {
  if (type === 'boolean') return 'bool';
  if (type === 'number') return meta.duration ? 'duration' : 'int';
  return 'string';
}

/** A duration field, in milliseconds once decoded. */
export function duration(): z.ZodNumber {
  const schema = z.number();
  kindRegistry.add(schema, { duration: true });
  return schema;
}

/** A struct that may be enabled by a leaf `""`/`true` (and is disabled by any other leaf). */
export function presence<T extends z.ZodType>(schema: T): z.ZodOptional<T> {
  const optional = schema.optional();
  kindRegistry.add(optional, { presence: true });
  return optional;
}

/** A free-form tree of strings (plugin configuration). */
export function rawTree(): z.ZodRecord<z.ZodString, z.ZodUnknown> {
  const schema = z.record(z.string(), z.unknown());
  kindRegistry.add(schema, { raw: true });
  return schema;
}

/** Names what the fields of `schema` are, for "unknown …" messages. */
export function labelFields<T extends z.ZodType>(schema: T, fieldLabel: string): T {
  kindRegistry.add(schema, { fieldLabel });
  return schema;
}

/**
 * Exactly one of `names` is set: Traefik's "multi-types service not supported" and the same rule
 * for middlewares. The issue carries our code so the mapping back to keys keeps it.
 */
export function exactlyOne(names: readonly string[], what: string) {
  return (value: Record<string, unknown>, context: z.RefinementCtx): void => {
    const present = names.filter((name) => value[name] !== undefined);
    if (present.length === 1) return;
    const code = present.length === 0 ? KeyCode.missing : KeyCode.multiType;
    const message =
      present.length === 0
        ? `a ${what} needs exactly one type, found none (expected one of ${[...names].sort().join(', ')})`
        : `a ${what} needs exactly one type, found ${present.join(', ')}`;
    context.addIssue({ code: 'custom', message, params: { code }, input: value });
  };
}
