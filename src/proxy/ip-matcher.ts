/**
 * @module A set of IP addresses and CIDR ranges (IPv4 and IPv6), parsed once, tested per request
 * with integer arithmetic. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) match IPv4 ranges.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { SwitchyardError } from '../errors.ts';

interface Range {
  readonly v6: boolean;
  readonly base: bigint;
  readonly mask: bigint;
}

export class IpMatcher {
  readonly #ranges: readonly Range[];

  constructor(sources: readonly string[], key?: string) {
    this.#ranges = sources.map((source) => parseRange(source, key));
  }

  contains(address: string): boolean {
    const parsed = parseAddress(address);
    if (parsed === undefined) return false;
    for (const range of this.#ranges) {
      if (range.v6 === parsed.v6 && (parsed.value & range.mask) === range.base) return true;
    }
    return false;
  }
}

function parseRange(source: string, key: string | undefined): Range {
  const [ip = '', bitsText] = source.trim().split('/');
  const address = parseAddress(ip);
  const width = address?.v6 === true ? 128 : 32;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (address === undefined || !Number.isInteger(bits) || bits < 0 || bits > width || (bitsText !== undefined && !/^\d+$/.test(bitsText))) {
    throw new SwitchyardError('SY_BAD_IP_RANGE', `expected an IP address or CIDR range such as 10.0.0.0/8, got ${JSON.stringify(source)}`, key);
  }
  const all = (1n << BigInt(width)) - 1n;
  const mask = bits === 0 ? 0n : (all << BigInt(width - bits)) & all;
  return { v6: address.v6, base: address.value & mask, mask };
}

function parseAddress(text: string): { v6: boolean; value: bigint } | undefined {
  if (isIPv4(text)) return { v6: false, value: ipv4(text) };
  if (!isIPv6(text)) return undefined;
  const zone = text.indexOf('%');
  const plain = zone === -1 ? text : text.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped !== null) return { v6: false, value: ipv4(mapped[1]!) };
  return { v6: true, value: ipv6(plain) };
}

function ipv4(text: string): bigint {
  let value = 0n;
  for (const part of text.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

function ipv6(text: string): bigint {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tailV4 = ipv4(text.slice(lastColon + 1));
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::');
  const l = left === '' ? [] : left.split(':');
  const r = right === undefined || right === '' ? [] : right.split(':');
  const groups = [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(parseInt(g, 16));
  return tailV4 === undefined ? value : (value & ~0xffffffffn) | tailV4;
}
