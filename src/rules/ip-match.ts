/**
 * @module ClientIP: addresses and CIDRs parsed at compile time and compared the way Go's net.IP
 * does it for Traefik's ip.Checker. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) *is* the IPv4
 * address, on either side; a pure IPv6 network never contains an IPv4 client, not even `::/0`.
 */
import { RuleError } from '../errors.ts';
import type { RuleArgument } from './ast.ts';

export type IpAddress = { readonly v4: true; readonly value: number } | { readonly v4: false; readonly value: bigint };

export interface Network {
  readonly v4: boolean;
  /** The network address, already masked. */
  readonly base: number | bigint;
  readonly prefix: number;
}

/** Compiles one or more `ClientIP` arguments into a test on the socket address Node reports. */
export function clientIpPredicate(args: readonly RuleArgument[]): (clientIp: string) => boolean {
  const networks = args.map(parseNetworkArgument);
  return (clientIp) => {
    const address = parseAddress(clientIp);
    return address !== undefined && networks.some((network) => contains(network, address));
  };
}

function parseNetworkArgument(arg: RuleArgument): Network {
  const network = parseNetwork(arg.value);
  if (network === undefined) {
    throw new RuleError('SY_RULE_MATCHER', `invalid IP address or CIDR ${JSON.stringify(arg.value)}`, arg.column);
  }
  return network;
}

/** An address is a network of one; `a/n` follows Go's ParseCIDR, including its v4-mapped quirk. */
export function parseNetwork(text: string): Network | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const address = parseAddress(text);
    if (address === undefined) return undefined;
    return { v4: address.v4, base: address.value, prefix: address.v4 ? 32 : 128 };
  }
  const bitsText = text.slice(slash + 1);
  const addressText = text.slice(0, slash);
  if (!/^[0-9]{1,9}$/.test(bitsText)) return undefined; // Go's dtoi: digits, leading zeros allowed
  const bits = Number(bitsText);
  if (addressText.includes(':')) {
    const value = parseIpv6(addressText);
    if (value === undefined || bits > 128) return undefined;
    const masked = value & mask128(bits);
    // Go keeps a masked v4-mapped network as IPv4, using the low 32 bits of the mask.
    if (masked >> 32n === 0xffffn) return v4Network(Number(masked & 0xffffffffn), Math.max(0, bits - 96));
    return { v4: false, base: masked, prefix: bits };
  }
  const value = parseIpv4(addressText);
  if (value === undefined || bits > 32) return undefined;
  return v4Network(value, bits);
}

function v4Network(value: number, prefix: number): Network {
  return { v4: true, base: (value & mask32(prefix)) >>> 0, prefix };
}

export function contains(network: Network, address: IpAddress): boolean {
  if (network.v4 !== address.v4) return false;
  if (address.v4) return ((address.value & mask32(network.prefix)) >>> 0) === network.base;
  return (address.value & mask128(network.prefix)) === network.base;
}

function mask32(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function mask128(prefix: number): bigint {
  return prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
}

/** Go's net.ParseIP: no zones, no leading zeros in IPv4; v4-mapped IPv6 becomes IPv4. */
export function parseAddress(text: string): IpAddress | undefined {
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === undefined ? undefined : { v4: true, value: v4 };
  }
  const v6 = parseIpv6(text);
  if (v6 === undefined) return undefined;
  return v6 >> 32n === 0xffffn ? { v4: true, value: Number(v6 & 0xffffffffn) } : { v4: false, value: v6 };
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** RFC 4291 text form as Go's netip reads it: `::` stands for at least one zero group. */
function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 1 || halves[1] === '' ? [] : halves[1]!.split(':');
  const groups: number[] = [];
  const all = [...head, ...tail];
  for (let i = 0; i < all.length; i++) {
    const group = all[i]!;
    // An embedded IPv4 may only end the text, never precede a `::`.
    const endsText = i === all.length - 1 && (halves.length === 1 || tail.length > 0);
    if (endsText && group.includes('.')) {
      const v4 = parseIpv4(group);
      if (v4 === undefined) return undefined;
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(group)) {
      groups.push(parseInt(group, 16));
    } else {
      return undefined;
    }
  }
  const headGroups = groups.length - (halves.length === 2 ? countGroups(tail) : 0);
  if (halves.length === 1 ? groups.length !== 8 : groups.length > 7) return undefined;
  const zeros = new Array<number>(8 - groups.length).fill(0);
  const full = [...groups.slice(0, headGroups), ...zeros, ...groups.slice(headGroups)];
  return full.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/** Groups contributed by the part after `::` (an embedded IPv4 counts as two). */
function countGroups(parts: readonly string[]): number {
  return parts.reduce((n, part) => n + (part.includes('.') ? 2 : 1), 0);
}
