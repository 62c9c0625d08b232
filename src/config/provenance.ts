/**
 * @module Where each decoded value came from: decoded path → store key, so a zod issue raised on
 * the decoded object names the key the operator wrote (list labels included), not a JS path.
 */

import type { z } from 'zod';
import type { ProblemData } from '../errors.ts';
import { KeyCode } from './key-codes.ts';

export type DecodedPath = readonly (string | number)[];

const pathId = (path: DecodedPath): string => path.join('/');

export class Provenance {
  readonly #keys = new Map<string, string>();
  /** Paths whose value already failed to decode: zod would only repeat the complaint. */
  readonly #failed = new Set<string>();

  record(path: DecodedPath, key: string): void {
    this.#keys.set(pathId(path), key);
  }

  markFailed(path: DecodedPath): void {
    this.#failed.add(pathId(path));
  }

  hasFailedAtOrAbove(path: DecodedPath): boolean {
    for (let length = path.length; length >= 0; length--) {
      if (this.#failed.has(pathId(path.slice(0, length)))) return true;
    }
    return false;
  }

  /**
   * The key a path came from. For a path that was never written (a missing required field), the
   * key it would have: the nearest written ancestor's key plus the remaining field names.
   */
  keyFor(path: DecodedPath): string {
    for (let length = path.length; length >= 0; length--) {
      const key = this.#keys.get(pathId(path.slice(0, length)));
      if (key !== undefined) return [key, ...path.slice(length)].join('/');
    }
    return path.join('/');
  }
}

/** zod issues on one decoded object → problems keyed by store key, minus echoes of decode errors. */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  provenance: Provenance,
): ProblemData[] {
  const problems: ProblemData[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    if (provenance.hasFailedAtOrAbove(path)) continue;
    problems.push({ ...describeIssue(issue, valueAt(raw, path)), key: provenance.keyFor(path) });
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue, written: unknown): { code: string; message: string } {
  if (issue.code === 'custom') {
    const code = typeof issue.params?.['code'] === 'string' ? issue.params['code'] : KeyCode.invalid;
    return { code, message: issue.message };
  }
  if (written === undefined) {
    const field = issue.path.at(-1);
    return { code: KeyCode.missing, message: `missing required ${typeof field === 'string' ? `field "${field}"` : 'value'}` };
  }
  if (issue.code === 'invalid_value') {
    const accepted = issue.values.map((value) => String(value)).join(', ');
    return { code: KeyCode.invalid, message: `expected one of ${accepted}, got ${JSON.stringify(written)}` };
  }
  return { code: KeyCode.invalid, message: `${issue.message}, got ${JSON.stringify(written)}` };
}

function valueAt(root: unknown, path: DecodedPath): unknown {
  let current = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}
