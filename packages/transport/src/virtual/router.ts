import type { VirtualLink } from './link.js';
import { NatTable, type NatOptions } from './nat.js';
import { Cidr, type ParsedIp, parseIp } from './ip.js';
import type { HostInterface } from './host.js';

/** Options of `VirtualNetwork.addRouter`. */
export interface RouterOptions {
  /** A readable name, used in stats and errors. */
  readonly name: string;
  /** The IPv4 (or IPv6) subnet of the router's hosts, e.g. `192.168.1.0/24`. */
  readonly cidr: string;
  /** An IPv6 subnet as well, routed without NAT (e.g. `2001:db8:1::/64`). */
  readonly cidr6?: string;
  /** The router above this one; none for the root (the WAN). */
  readonly parent?: VirtualRouter;
  /** Put a NAT in front of the subnet (IPv4); needs a parent. */
  readonly nat?: NatOptions;
  /** The NAT's external address on the parent's subnet; default: the parent's next free one. */
  readonly publicIp?: string;
}

/** A router of a {@link VirtualNetwork}: a subnet, optionally behind a NAT, below a parent. */
export class VirtualRouter {
  readonly name: string;
  readonly parent: VirtualRouter | undefined;
  /** The IPv4 or IPv6 subnet of the hosts attached to this router. */
  readonly cidr: Cidr;
  readonly cidr6: Cidr | undefined;
  /** @internal The NAT tables (UDP and TCP), when this router has a NAT. */
  readonly nat: { readonly udp: NatTable; readonly tcp: NatTable } | undefined;
  /** The NAT's external address (on the parent's subnet), when this router has a NAT. */
  readonly publicIp: string | undefined;
  /** @internal Attached host interfaces by address. */
  readonly interfaces = new Map<string, HostInterface>();
  /** @internal Routers below this one. */
  readonly children: VirtualRouter[] = [];
  /** The link to the parent (set for every router but the root). */
  uplink!: VirtualLink;

  /** @internal */
  constructor(options: RouterOptions, publicIp: string | undefined) {
    this.name = options.name;
    this.parent = options.parent;
    this.cidr = new Cidr(options.cidr);
    this.cidr6 = options.cidr6 !== undefined ? new Cidr(options.cidr6) : undefined;
    this.nat =
      options.nat !== undefined
        ? { udp: new NatTable(options.nat), tcp: new NatTable({ ...options.nat }) }
        : undefined;
    this.publicIp = publicIp;
  }

  /** @internal True when `ip` is within this router's subnets. */
  owns(ip: ParsedIp): boolean {
    return this.cidr.contains(ip) || (this.cidr6?.contains(ip) ?? false);
  }

  /** @internal True when a packet to `ip` (seen from the parent) belongs below this router. */
  reachableFromParent(address: string, ip: ParsedIp): boolean {
    if (this.nat !== undefined && ip.family === 'IPv4') return address === this.publicIp;
    return this.owns(ip);
  }

  /** @internal True when `address` is taken on this router's subnets (by a host or a child's NAT). */
  isTaken(address: string): boolean {
    if (this.interfaces.has(address)) return true;
    return this.children.some((child) => child.publicIp === address);
  }

  /** Number of live NAT mappings (UDP) at virtual time `now`; 0 without a NAT. */
  natMappings(now: number): number {
    return this.nat?.udp.size(now) ?? 0;
  }
}

export { parseIp };
