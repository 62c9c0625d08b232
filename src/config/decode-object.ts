/** @module One router, service, middleware or TLS object: key subtree → validated value or its errors. */

import type { z } from 'zod';
import type { ProblemData } from '../errors.ts';
import type { KeyNode } from './key-tree.ts';
import { absent, decodeNode } from './node-decoder.ts';
import { issuesToProblems, Provenance } from './provenance.ts';

export interface Decoded<T> {
  /** The validated object with defaults applied; undefined when `errors` is not empty. */
  readonly value: T | undefined;
  readonly errors: ProblemData[];
  /** What could be read, valid or not (bad values kept as written), for the API and `check`. */
  readonly raw: Record<string, unknown>;
}

/**
 * Decodes and validates one object. A bad key disables this object only: its siblings are decoded
 * independently (Traefik instead rejects the whole provider configuration).
 */
export function decodeObject<S extends z.ZodType>(node: KeyNode, schema: S): Decoded<z.output<S>> {
  const provenance = new Provenance();
  const errors: ProblemData[] = [];
  const decoded = decodeNode(node, schema, [], { errors, provenance });
  const raw = isRecord(decoded) ? decoded : {};
  const result = schema.safeParse(decoded === absent ? undefined : decoded);
  if (!result.success) errors.push(...issuesToProblems(result.error.issues, raw, provenance));
  return errors.length === 0 && result.success
    ? { value: result.data, errors, raw }
    : { value: undefined, errors, raw };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
