/**
 * @module The header lines of a request sent upstream by the fast path, as one string. They are
 * what forwarded-headers.ts's upstreamHeaders gives; for the usual request it is not asked per
 * request: when no header is one it treats specially (a second Host, hop-by-hop, Expect,
 * X-Forwarded-*, X-Real-Ip), its answer is the client's lines as received, less Host, followed by
 * the lines it adds for the Host value alone (Host, X-Forwarded-*, X-Real-Ip). Those are asked of it
 * once per connection and Host value, and kept.
 */
import { FORWARDED, upstreamHeaders, type ForwardedTrust, type ForwardingFacts } from '../forwarded-headers.ts';
import { HOP_BY_HOP } from '../hop-by-hop.ts';

export class UpstreamHeadLines {
  readonly #facts: Omit<ForwardingFacts, 'hostOverride'>;
  readonly #trust: ForwardedTrust;
  #tailHost: string | undefined = undefined;
  #tailOverride: string | undefined = undefined;
  #tail = '';
  #tailKept = false;

  constructor(facts: Omit<ForwardingFacts, 'hostOverride'>, trust: ForwardedTrust) {
    this.#facts = facts;
    this.#trust = trust;
  }

  /** `name: value\r\n`… to send upstream, ending with the empty line. */
  build(headers: readonly string[], hostOverride: string | undefined): string {
    let lines = '';
    let host: string | undefined;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (name.length === 4 && name.toLowerCase() === 'host') {
        if (host !== undefined) return this.#general(headers, hostOverride);
        host = headers[i + 1]!;
        continue;
      }
      if (special(name)) return this.#general(headers, hostOverride);
      lines += `${name}: ${headers[i + 1]}\r\n`;
    }
    if (!this.#tailKept || host !== this.#tailHost || hostOverride !== this.#tailOverride) {
      this.#tail = joinLines(upstreamHeaders(host === undefined ? [] : ['host', host], { ...this.#facts, hostOverride }, this.#trust));
      this.#tailHost = host;
      this.#tailOverride = hostOverride;
      this.#tailKept = true;
    }
    return lines + this.#tail;
  }

  #general(headers: readonly string[], hostOverride: string | undefined): string {
    return joinLines(upstreamHeaders(headers, { ...this.#facts, hostOverride }, this.#trust));
  }
}

/** Header names (lowercase) upstreamHeaders does more with than pass on: hop-by-hop.ts's list, Expect, its forwarded set. */
const SPECIAL: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'expect', ...FORWARDED]);
/** Their lengths: a name of another length is not looked up (no lowercase copy made). */
const SPECIAL_LENGTHS = new Uint8Array(32);
for (const name of SPECIAL) SPECIAL_LENGTHS[name.length] = 1;

function special(name: string): boolean {
  return name.length < 32 && SPECIAL_LENGTHS[name.length] === 1 && SPECIAL.has(name.toLowerCase());
}

function joinLines(flat: readonly string[]): string {
  let lines = '';
  for (let i = 0; i < flat.length; i += 2) lines += `${flat[i]}: ${flat[i + 1]}\r\n`;
  return `${lines}\r\n`;
}
