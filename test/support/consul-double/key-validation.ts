/**
 * @module KV key-name checks, by Consul version. 1.21.5 (a patch release) enforced a character
 * regex with a 500 and broke Traefik and keys with spaces (hashicorp/consul#22822, #22835);
 * 1.21.6/1.22.0 (PR #22850, CVE-2025-11392) dropped the regex and reject only path traversal,
 * URL-encoded traversal and leading/trailing spaces, unless `disable_kv_key_validation` is set.
 */
import { textReply, type Reply } from './reply.ts';

/** 'none' is ≤ 1.21.4, or a newer agent with `disable_kv_key_validation = true`. */
export type KeyValidation = 'none' | '1.21.5' | '1.22';

const regex1215 = /^[a-zA-Z0-9,_./\-?&=]+$/;
const encodedTraversal = ['%2e%2e%2f', '%2e%2e/', '..%2f', '%2e%2e%5c'];

export function validateKey(key: string, rawPath: string, mode: KeyValidation): Reply | undefined {
  if (key === '' || mode === 'none') return undefined;
  if (mode === '1.21.5') {
    if (regex1215.test(key)) return undefined;
    // Go's %q doubles the backslash of `\-`.
    return textReply(500, 'invalid key name, keys should respect the "^[a-zA-Z0-9,_./\\\\-?&=]+$" format');
  }
  // The 1.22 wording is not in the docs we could read; the status (400) and the rules are.
  if (encodedTraversal.some((pattern) => rawPath.toLowerCase().includes(pattern))) {
    return textReply(400, 'URL path contains encoded traversal sequence');
  }
  if (key.includes('../') || key.includes('..\\') || key === '..' || key.endsWith('/..')) {
    return textReply(400, 'key contains path traversal sequence');
  }
  if (key.trim() !== key) return textReply(400, 'key must not begin or end with spaces');
  return undefined;
}
