/**
 * IP addresses of candidates and servers: IP literals in one canonical form (so that a
 * remote candidate and the source of a datagram compare equal), names through the system
 * resolver.
 */
import { lookup } from 'node:dns/promises';
import { debuglog } from 'node:util';
import { formatIpv6, ipv6Bytes } from './stun/address.js';

const log = debuglog('x:ice');

/** The canonical form of an IPv4 or IPv6 literal; undefined when `address` is neither. */
export function canonicalIp(address: string): string | undefined {
  if (address.includes(':')) {
    const b = ipv6Bytes(address);
    return b === undefined ? undefined : formatIpv6(b, 0);
  }
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(address) ? address : undefined;
}

/** IP literals as they are; names through the system resolver (both families). */
export async function resolveHost(host: string): Promise<string[]> {
  const ip = canonicalIp(host);
  if (ip !== undefined) return [ip];
  try {
    const found = await lookup(host, { all: true });
    return found.map((a) => a.address);
  } catch (error) {
    log('cannot resolve STUN server %s: %o', host, error);
    return [];
  }
}
