/**
 * @module A set of IP addresses and CIDR ranges (trustedIPs, ipAllowList's sourceRange and
 * excludedIPs), parsed once and tested per request. Parsing and containment are the ClientIP
 * matcher's (src/rules/ip-match.ts), which follow Go's net package as Traefik's ip.Checker does:
 * an IPv4-mapped IPv6 address is the IPv4 address.
 */
import { SwitchyardError } from '../errors.ts';
import { contains, parseAddress, parseNetwork, type Network } from '../rules/ip-match.ts';

export class IpMatcher {
  readonly #networks: readonly Network[];

  constructor(sources: readonly string[], key?: string) {
    this.#networks = sources.map((source) => {
      const network = parseNetwork(source.trim());
      if (network === undefined) {
        throw new SwitchyardError('SY_BAD_IP_RANGE', `expected an IP address or CIDR range such as 10.0.0.0/8, got ${JSON.stringify(source)}`, key);
      }
      return network;
    });
  }

  contains(address: string): boolean {
    const parsed = parseAddress(address);
    if (parsed === undefined) return false;
    for (const network of this.#networks) if (contains(network, parsed)) return true;
    return false;
  }
}
