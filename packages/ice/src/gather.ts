/**
 * Host candidate gathering, RFC 8445 §5.1.1.1: one socket per usable interface address,
 * filtered by the configuration, with local preferences after RFC 8421.
 */
import type { Net, UdpSocket } from '@x/transport';
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

/** Binds one socket per host address; failures to bind are skipped (and returned). */
export async function bindHostBases(
  net: Net,
  addresses: readonly HostAddress[],
  foundations: Foundations,
  onMessage: (base: LocalBase, data: Buffer, from: import('@x/transport').SocketAddress) => void,
  nextId: () => number,
): Promise<{ bases: LocalBase[]; errors: unknown[] }> {
  const bases: LocalBase[] = [];
  const errors: unknown[] = [];
  for (const a of addresses) {
    let base: LocalBase | undefined;
    let socket: UdpSocket;
    try {
      socket = await net.bindUdp({
        address: a.address,
        port: 0,
        family: a.family,
        onMessage: (data, from) => {
          if (base !== undefined) onMessage(base, data, from);
        },
      });
    } catch (error) {
      errors.push(error);
      continue;
    }
    const host: Candidate = {
      foundation: foundations.get('host', a.address, 'udp'),
      component: 1,
      transport: 'udp',
      priority: candidatePriority('host', a.localPreference),
      address: socket.localAddress.address,
      port: socket.localAddress.port,
      type: 'host',
    };
    base = {
      id: nextId(),
      socket,
      address: socket.localAddress.address,
      port: socket.localAddress.port,
      family: a.family,
      interfaceName: a.interfaceName,
      host,
    };
    bases.push(base);
  }
  return { bases, errors };
}
