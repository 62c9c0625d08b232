/**
 * @module KV transactions with Consul's semantics (`agent/consul/txn_endpoint.go` preCheck, then
 * `state/txn.go` txnKVS): all ops run against a scratch copy, every failure is collected with its
 * op index, and the copy replaces the store only when none failed — all or nothing.
 */
import type { ConsulState } from './consul-state.ts';
import { dirEntryJson } from './go-json.ts';
import { KvStore, type DirEntry } from './kv-store.ts';

export interface KvTxnOp {
  readonly verb: string;
  readonly key: string;
  readonly value: Buffer | null;
  readonly flags: bigint;
  readonly index: number;
  readonly session: string;
}

export interface TxnError {
  readonly OpIndex: number;
  readonly What: string;
}

export type TxnOutcome =
  | { readonly ok: true; readonly results: Record<string, unknown>[] }
  | { readonly ok: false; readonly errors: TxnError[] };

const writeVerbs = new Set(['set', 'cas', 'lock', 'unlock', 'delete', 'delete-cas', 'delete-tree']);
const readVerbs = new Set(['get', 'get-or-empty', 'get-tree']);

export function isWriteOp(op: KvTxnOp): boolean {
  return writeVerbs.has(op.verb);
}

/** Go's %q for the strings in error messages. */
const q = (text: string): string => JSON.stringify(text);

/** Checks made on the leader before Raft: key present, ACL, lock-delay. A refusal here consumes no index. */
function preCheck(state: ConsulState, ops: readonly KvTxnOp[], anonymous: boolean): TxnError[] {
  const errors: TxnError[] = [];
  ops.forEach((op, OpIndex) => {
    if (op.key === '' && op.verb !== 'delete-tree') errors.push({ OpIndex, What: 'Must provide key' });
    else if (anonymous && !readVerbs.has(op.verb)) errors.push({ OpIndex, What: 'Permission denied' });
    else if (op.verb === 'lock' && state.sessions.lockDelayed(op.key)) errors.push({ OpIndex, What: `failed to lock key ${q(op.key)} due to lock delay` });
  });
  return errors;
}

type OpOutcome = DirEntry[] | string;

/** One txnKVS step: the entries it reports (values kept only for get verbs) or the error text. */
function runOp(kv: KvStore, state: ConsulState, idx: number, op: KvTxnOp): OpOutcome {
  const input = { key: op.key, value: op.value, flags: op.flags };
  const existing = kv.get(op.key);
  const one = (entry: DirEntry | undefined, failure: string): OpOutcome => (entry === undefined ? failure : [entry]);
  switch (op.verb) {
    case 'set':
      return [kv.set(idx, input)];
    case 'cas':
      return one(kv.cas(idx, input, op.index), `failed to set key ${q(op.key)}, index is stale`);
    case 'lock':
      if (op.session === '') return 'missing session';
      if (state.sessions.get(op.session) === undefined) return `invalid session ${q(op.session)}`;
      return one(kv.lock(idx, input, op.session), `failed to lock key ${q(op.key)}, lock is already held`);
    case 'unlock':
      if (op.session === '') return 'missing session';
      return one(kv.unlock(idx, input, op.session), `failed to unlock key ${q(op.key)}, lock isn't held, or is held by another session`);
    case 'get':
      return one(existing, `key ${q(op.key)} doesn't exist`);
    case 'get-or-empty':
      return [existing ?? { ...input, value: null, lockIndex: 0, session: op.session || undefined, createIndex: 0, modifyIndex: op.index }];
    case 'get-tree':
      return kv.list(op.key);
    case 'check-index':
      if (existing === undefined) return `failed to check index, key ${q(op.key)} doesn't exist`;
      if (existing.modifyIndex !== op.index) return `failed index check for key ${q(op.key)}, current modify index ${existing.modifyIndex} != ${op.index}`;
      return [existing];
    case 'check-session':
      if (existing === undefined) return `failed to check session, key ${q(op.key)} doesn't exist`;
      if ((existing.session ?? '') !== op.session) return `failed session check for key ${q(op.key)}, current session ${q(existing.session ?? '')} != ${q(op.session)}`;
      return [existing];
    case 'check-not-exists':
      return existing === undefined ? [] : `key ${q(op.key)} exists`;
    case 'delete':
      kv.delete(idx, op.key);
      return [];
    case 'delete-cas':
      return kv.deleteCas(idx, op.key, op.index) ? [] : `failed to delete key ${q(op.key)}, index is stale`;
    case 'delete-tree':
      kv.deleteTree(idx, op.key);
      return [];
    default:
      return `unknown KV verb ${q(op.verb)}`;
  }
}

export function applyTxn(state: ConsulState, ops: readonly KvTxnOp[], anonymous: boolean): TxnOutcome {
  const refused = preCheck(state, ops, anonymous);
  if (refused.length > 0) return { ok: false, errors: refused };
  const dispatch = (idx: number): TxnOutcome => {
    const scratch = state.kv.clone();
    const results: Record<string, unknown>[] = [];
    const errors: TxnError[] = [];
    ops.forEach((op, OpIndex) => {
      const outcome = runOp(scratch, state, idx, op);
      if (typeof outcome === 'string') errors.push({ OpIndex, What: outcome });
      // The anonymous token reads nothing, so its get results are filtered out.
      else if (!anonymous) for (const entry of outcome) results.push({ KV: dirEntryJson(entry, readVerbs.has(op.verb)) });
    });
    if (errors.length > 0) return { ok: false, errors };
    state.kv.adopt(scratch);
    return { ok: true, results };
  };
  // Read-only transactions bypass Raft; anything with a write is one Raft entry, failed or not.
  return ops.some(isWriteOp) ? state.write(dispatch) : dispatch(state.raft.current);
}
