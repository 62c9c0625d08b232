/**
 * @module Hostile behaviour a test can switch on at runtime, so client code is written for a real
 * Consul rather than a polite fake: index jumps and resets, spurious wake-ups, slow answers,
 * injected errors, a hung server (pause) and a dead one (stop, connection refused).
 */
import type { ConsulState } from './consul-state.ts';
import { textReply, type Reply } from './reply.ts';

export interface KnobActions {
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** Bodies Consul sends with these statuses, so clients that log them see something familiar. */
const failureBodies: ReadonlyMap<number, string> = new Map([
  [500, 'No cluster leader'],
  [429, 'rate limit exceeded, try again later'],
  [503, 'Service Unavailable'],
]);

export class Knobs {
  /**
   * Probability (0–1, or true = 1) that a blocking query returns within ~50 ms with its index
   * unchanged — what timeouts and idempotent writes look like to a client.
   */
  spuriousWakeups: boolean | number = false;
  /** Milliseconds added before every answer. */
  slowResponses = 0;
  /**
   * Send `X-Consul-Index: 0`. A healthy Consul never does (it clamps to 1); this exercises the
   * documented client rule "treat an index below 1 as 1" for proxies and older endpoints.
   */
  forceIndexZero = false;

  readonly #state: ConsulState;
  readonly #actions: KnobActions;
  #failures: { remaining: number; status: number } = { remaining: 0, status: 500 };
  #resume: (() => void) | undefined;
  #resumed: Promise<void> = Promise.resolve();

  constructor(state: ConsulState, actions: KnobActions) {
    this.#state = state;
    this.#actions = actions;
  }

  /** Extra Raft indexes skipped by every later write (0 = off): large gaps between observed indexes. */
  get indexJump(): number {
    return this.#state.raft.jump;
  }

  set indexJump(amount: number) {
    this.#state.raft.jump = amount;
  }

  /** The Raft index of the last write, for tests that compare against it. */
  get raftIndex(): number {
    return this.#state.raft.current;
  }

  /**
   * Indexes go back to small numbers, as after a snapshot restore; parked queries answer at once.
   * Consul's docs tell clients to reset to 0 and re-read when this happens.
   */
  indexReset(): void {
    this.#state.indexReset();
  }

  /** Tombstones reaped: a prefix whose newest change was a delete reports a lower index afterwards. */
  reapTombstones(): void {
    this.#state.reapTombstones();
  }

  /** The next `count` requests get `status` (500 by default) without being handled. */
  failNext(count: number, status = 500): void {
    this.#failures = { remaining: count, status };
  }

  /** The injected failure for this request, if one is due. */
  takeFailure(): Reply | undefined {
    if (this.#failures.remaining <= 0) return undefined;
    this.#failures.remaining--;
    const { status } = this.#failures;
    return textReply(status, failureBodies.get(status) ?? `injected failure ${status}`);
  }

  /** Stop answering: requests (new and in flight) hang, connections stay open, until `resume()`. */
  pause(): void {
    if (this.#resume !== undefined) return;
    this.#resumed = new Promise((resolve) => {
      this.#resume = resolve;
    });
  }

  resume(): void {
    this.#resume?.();
    this.#resume = undefined;
  }

  get paused(): boolean {
    return this.#resume !== undefined;
  }

  /** Resolves at once unless paused. */
  whenResumed(): Promise<void> {
    return this.#resumed;
  }

  /** A real outage: the listener closes and every connection drops (clients see ECONNREFUSED). Data is kept. */
  stop(): Promise<void> {
    return this.#actions.stop();
  }

  /** Listen again on the same port; session TTL timers restart in full, as after a leader election. */
  restart(): Promise<void> {
    return this.#actions.restart();
  }
}
