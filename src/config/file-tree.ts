/**
 * @module The file provider's YAML/TOML document, flattened to the same keys a KV store holds, so
 * both go through one decoder (Traefik's file provider decodes its tree with the same rules).
 */

import { parse as parseToml, TomlError } from 'smol-toml';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigKeyError } from '../errors.ts';
import { KeyCode } from './key-codes.ts';

/** Parses by extension: `.toml` as TOML, anything else as YAML. Throws SY_FILE_PARSE naming the file. */
export function parseConfigFile(text: string, fileName: string): unknown {
  const tree = fileName.toLowerCase().endsWith('.toml') ? parseTomlText(text, fileName) : parseYamlText(text, fileName);
  if (tree !== null && tree !== undefined && !isMapping(tree)) {
    throw new ConfigKeyError(KeyCode.fileParse, 'expected a mapping (http:, tls:, …) at the top level', fileName);
  }
  return tree ?? {};
}

function parseYamlText(text: string, fileName: string): unknown {
  // Merge keys (`<<: *defaults`) are accepted, as Go's yaml.v3 does; big integers stay exact.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { merge: true, intAsBigInt: true, prettyErrors: false, lineCounter });
  const [error] = document.errors;
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new ConfigKeyError(KeyCode.fileParse, `invalid YAML at line ${line}, column ${col}: ${error.message}`, fileName);
  }
  return document.toJS();
}

function parseTomlText(text: string, fileName: string): unknown {
  try {
    return parseToml(text, { integersAsBigInt: 'asNeeded' });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const message = error.message.split('\n')[0] ?? 'syntax error';
    throw new ConfigKeyError(KeyCode.fileParse, `invalid TOML at line ${error.line}, column ${error.column}: ${message}`, fileName);
  }
}

/**
 * `{http: {routers: {api: {rule: …}}}}` → `[[`${rootKey}/http/routers/api/rule`, …]]`. Arrays
 * become index segments; scalars their text; an empty mapping, empty list or null becomes an empty
 * leaf, which enables a presence key (`tls: {}`) and reads as an empty list or map elsewhere.
 */
export function flattenTree(tree: unknown, rootKey: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  if (isMapping(tree)) {
    for (const [name, value] of Object.entries(tree)) flattenInto(entries, joinKey(rootKey, name), value);
  }
  return entries;
}

function flattenInto(entries: Array<[string, string]>, key: string, value: unknown): void {
  const children = Array.isArray(value) ? value.entries() : isMapping(value) ? Object.entries(value) : undefined;
  if (children === undefined) {
    entries.push([key, scalarText(value)]);
    return;
  }
  const before = entries.length;
  for (const [name, child] of children) flattenInto(entries, `${key}/${name}`, child);
  if (entries.length === before) entries.push([key, '']);
}

function scalarText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function joinKey(rootKey: string, name: string): string {
  const root = rootKey.replace(/\/+$/, '');
  return root === '' ? name : `${root}/${name}`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
