/**
 * @module Upstream timeouts and certificate verification → the static `--serversTransport.*` flags
 * to start every node with. A node has one serversTransport for all its services (the dynamic
 * `http/serversTransports` section is not supported yet), so a setting is translated only when
 * every backend agrees on it, which is the common case of a `defaults` section. When backends
 * differ, the value most of them use is chosen (the first one met on a tie), and each backend that
 * wanted another is reported as untranslated, with the flag value chosen.
 */
import type { FindingSource } from './findings.ts';
import type { ProxyView } from './proxy-view.ts';
import type { TranslationContext } from './translation-context.ts';

/** A static flag without its leading dashes, as README "Static configuration" names it. */
export type TransportFlag =
  | 'serversTransport.forwardingTimeouts.dialTimeout'
  | 'serversTransport.forwardingTimeouts.responseHeaderTimeout'
  | 'serversTransport.insecureSkipVerify';

interface Wish {
  readonly proxy: ProxyView;
  readonly source: FindingSource;
  /** The flag value this backend needs; undefined: the node's default (the setting is absent). */
  readonly value: string | undefined;
  /** When `source` is the section header (nothing written): what that means (`no timeout server`). */
  readonly absent?: string;
}

export class UpstreamTransport {
  readonly #wishes = new Map<TransportFlag, Wish[]>();

  /** Records what one backend needs for `flag`. */
  want(flag: TransportFlag, wish: Wish): void {
    const list = this.#wishes.get(flag) ?? [];
    list.push(wish);
    this.#wishes.set(flag, list);
  }

  /** The flags every node needs (`--name=value`), reporting each backend the choice does not suit. */
  resolve(tx: TranslationContext): string[] {
    const flags: string[] = [];
    for (const [flag, wishes] of this.#wishes) {
      const chosen = mostCommon(wishes.map((w) => w.value));
      if (chosen !== undefined) flags.push(`--${flag}=${chosen}`);
      const agreeing = wishes.filter((w) => w.value === chosen).length;
      if (agreeing === wishes.length) continue;
      const choice = chosen === undefined ? `no --${flag} flag (the node's default) was chosen` : `--${flag}=${chosen} was chosen`;
      for (const wish of wishes) {
        if (wish.value === chosen) continue;
        tx.report('unsupported', wish.proxy, wish.source, `${wish.absent === undefined ? '' : `${wish.absent}: `}backends differ, and a node has one upstream transport for all of them (per-service serversTransports are not supported yet); ${choice} (${agreeing} of ${wishes.length} backends)`);
      }
    }
    return flags;
  }
}

function mostCommon(values: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string | undefined, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 0;
  // Map iteration follows first insertion: a tie goes to the value met first in the file.
  for (const [value, count] of counts) {
    if (count > bestCount) [best, bestCount] = [value, count];
  }
  return best;
}
