/**
 * @module Access to V8's linear-time RegExp engine (flag `l`). Rule regexps run on attacker-chosen
 * hosts, paths and headers, so a backtracking engine is not an option (ReDoS).
 */
import { setFlagsFromString } from 'node:v8';
import { RuleError } from '../errors.ts';

function engineAccepts(): boolean {
  try {
    new RegExp('', 'l');
    return true;
  } catch {
    return false;
  }
}

// bin/switchyard and the tests pass --enable-experimental-regexp-engine; setting the flag late
// still works in Node 24 and keeps library users (and `node --test` runners) from tripping over it.
function probeLinearEngine(): boolean {
  if (engineAccepts()) return true;
  setFlagsFromString('--enable-experimental-regexp-engine');
  return engineAccepts();
}

/** Decided once at module load; never changes afterwards. */
export const linearEngineAvailable: boolean = probeLinearEngine();

/**
 * Builds a linear-time RegExp from already translated source. Any rejection by the engine (it refuses
 * more than Go does: large counted repetitions, for instance) becomes SY_RULE_REGEXP at `column`.
 */
export function newLinearRegExp(source: string, column: number): RegExp {
  if (!linearEngineAvailable) {
    throw new RuleError(
      'SY_RULE_ENGINE',
      'the linear-time RegExp engine is unavailable; start node with --enable-experimental-regexp-engine',
      column,
    );
  }
  try {
    return new RegExp(source, 'l');
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : String(error);
    throw new RuleError('SY_RULE_REGEXP', `regexp rejected by the linear-time engine (${reason})`, column);
  }
}
