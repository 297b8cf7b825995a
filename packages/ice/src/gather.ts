/**
 * Host candidate gathering, RFC 8445 §5.1.1.1: one socket per usable interface address,
 * filtered by the configuration, with local preferences after RFC 8421.
 */
import type { Net, SocketAddress, UdpSocket } from '@x/transport';
import { type AnnouncedAddress, announcedFor } from './announced.js';
import type { Candidate } from './candidate.js';
import type { LocalBase } from './candidate-pair.js';
import type { ResolvedConfig } from './config.js';
import { candidatePriority, localPreference } from './priority.js';

/** An address to bind, with its local preference. */
export interface HostAddress {
  readonly interfaceName: string;
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly localPreference: number;
}

/** The addresses to gather from, in preference order (RFC 8421 §4). */
export function hostAddresses(net: Net, gather: ResolvedConfig['gather']): HostAddress[] {
  const out: HostAddress[] = [];
  let rank = 0;
  for (const iface of net.interfaces()) {
    if (gather.interfaceFilter && !gather.interfaceFilter(iface)) continue;
    const counts = { IPv4: 0, IPv6: 0 };
    let used = false;
    for (const a of iface.addresses) {
      if (a.internal && !gather.includeLoopback) continue;
      if (a.family === 'IPv6' && (!gather.ipv6 || /^fe[89ab]/i.test(a.address))) continue;
      if (a.family === 'IPv4' && !gather.ipv4) continue;
      if (gather.addressFilter && !gather.addressFilter(a.address, a.family)) continue;
      const pref = localPreference(rank, a.family === 'IPv6', counts[a.family]++);
      out.push({
        interfaceName: iface.name,
        address: a.address,
        family: a.family,
        localPreference: pref,
      });
      used = true;
    }
    if (used) rank++;
  }
  return out;
}

/**
 * How many addresses `hostAddresses` left out only because they are loopback
 * (`gather.includeLoopback` is false): on a loopback-only host these are the reason nothing was
 * gathered, which the failure's cause then says.
 */
export function excludedLoopback(net: Net, gather: ResolvedConfig['gather']): number {
  if (gather.includeLoopback) return 0;
  let count = 0;
  for (const iface of net.interfaces()) {
    if (gather.interfaceFilter && !gather.interfaceFilter(iface)) continue;
    for (const a of iface.addresses) {
      if (!a.internal) continue;
      if (a.family === 'IPv6' ? !gather.ipv6 : !gather.ipv4) continue;
      if (gather.addressFilter && !gather.addressFilter(a.address, a.family)) continue;
      count++;
    }
  }
  return count;
}

/** Keeps foundations stable: equal inputs (RFC 8445 §5.1.1.3) give equal foundations. */
export class Foundations {
  private readonly map = new Map<string, string>();

  get(type: string, baseAddress: string, transport: string, server = ''): string {
    const key = `${type}|${baseAddress}|${transport}|${server}`;
    let f = this.map.get(key);
    if (f === undefined) {
      f = String(this.map.size + 1);
      this.map.set(key, f);
    }
    return f;
  }
}

/** An inclusive range of local ports (pion's `SetEphemeralUDPPortRange`). */
export interface PortRange {
  /** The lowest port (1–65535). */
  readonly min: number;
  /** The highest port (≥ `min`). */
  readonly max: number;
}

/**
 * The host candidate of a base bound to `address:port` (RFC 8445 §5.1.1.1); with a `'host'`
 * announcement (1:1 NAT) it carries the public address instead.
 */
export function hostCandidate(
  foundations: Foundations,
  address: string,
  port: number,
  preference: number,
  announced: AnnouncedAddress | undefined,
): Candidate {
  const shown = announced !== undefined && announced.as !== 'srflx' ? announced.announced : address;
  return {
    foundation: foundations.get('host', address, 'udp'),
    component: 1,
    transport: 'udp',
    priority: candidatePriority('host', preference),
    address: shown,
    port,
    type: 'host',
  };
}

/** How host sockets are bound and announced (see `AgentConfig`). */
export interface BindOptions {
  readonly portRange?: PortRange | undefined;
  readonly announced?: readonly AnnouncedAddress[] | undefined;
}

/** Binds one socket per host address; failures to bind are skipped (and returned). */
export async function bindHostBases(
  net: Net,
  addresses: readonly HostAddress[],
  foundations: Foundations,
  onMessage: (base: LocalBase, data: Buffer, from: SocketAddress) => void,
  nextId: () => number,
  options: BindOptions = {},
): Promise<{ bases: LocalBase[]; errors: unknown[] }> {
  const bases: LocalBase[] = [];
  const errors: unknown[] = [];
  for (const a of addresses) {
    let base: LocalBase | undefined;
    let socket: UdpSocket;
    try {
      socket = await bindInRange(net, a, options.portRange, (data, from) => {
        if (base !== undefined) onMessage(base, data, from);
      });
    } catch (error) {
      errors.push(error);
      continue;
    }
    const local = socket.localAddress;
    base = {
      id: nextId(),
      socket,
      address: local.address,
      port: local.port,
      family: a.family,
      interfaceName: a.interfaceName,
      host: hostCandidate(
        foundations,
        local.address,
        local.port,
        a.localPreference,
        announcedFor(options.announced, local.address, a.family),
      ),
    };
    bases.push(base);
  }
  return { bases, errors };
}

/**
 * Binds `a` on a port of `range` (from a random one on, as pion does, so that agents started
 * together do not all try the same ports), or on any port without a range.
 */
async function bindInRange(
  net: Net,
  a: HostAddress,
  range: PortRange | undefined,
  onMessage: (data: Buffer, from: SocketAddress) => void,
): Promise<UdpSocket> {
  if (range === undefined)
    return net.bindUdp({ address: a.address, port: 0, family: a.family, onMessage });
  const size = range.max - range.min + 1;
  const start = Math.floor(Math.random() * size);
  let last: unknown;
  for (let i = 0; i < size; i++) {
    const port = range.min + ((start + i) % size);
    try {
      return await net.bindUdp({ address: a.address, port, family: a.family, onMessage });
    } catch (error) {
      last = error;
    }
  }
  throw last;
}
