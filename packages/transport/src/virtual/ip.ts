import { isIPv4, isIPv6 } from 'node:net';
import type { AddressFamily } from '../address.js';
import { ConfigurationError } from '../errors.js';

/** An address as a bigint, with its family. */
export interface ParsedIp {
  readonly family: AddressFamily;
  readonly value: bigint;
}

export function parseIp(address: string): ParsedIp | undefined {
  if (isIPv4(address)) {
    const parts = address.split('.').map(Number);
    return {
      family: 'IPv4',
      value: BigInt(((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0),
    };
  }
  if (isIPv6(address)) {
    let text = address;
    const zone = text.indexOf('%');
    if (zone >= 0) text = text.slice(0, zone);
    // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
    const lastColon = text.lastIndexOf(':');
    const tail = text.slice(lastColon + 1);
    if (tail.includes('.')) {
      const v4 = parseIp(tail)!.value;
      text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head = '', rest] = text.split('::');
    const headGroups = head === '' ? [] : head.split(':');
    const tailGroups = rest === undefined ? [] : rest === '' ? [] : rest.split(':');
    const missing = 8 - headGroups.length - tailGroups.length;
    const groups =
      rest === undefined ? headGroups : [...headGroups, ...Array(missing).fill('0'), ...tailGroups];
    let value = 0n;
    for (const g of groups) value = (value << 16n) | BigInt(Number.parseInt(g, 16));
    return { family: 'IPv6', value };
  }
  return undefined;
}

export function formatIp(ip: ParsedIp): string {
  if (ip.family === 'IPv4') {
    const v = Number(ip.value);
    return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

/** A subnet: `192.168.1.0/24` or `fd00:1::/64`. */
export class Cidr {
  readonly family: AddressFamily;
  readonly network: bigint;
  readonly prefixLength: number;
  private readonly bits: number;
  private nextHost = 1n;

  constructor(readonly text: string) {
    const slash = text.indexOf('/');
    const ip = slash > 0 ? parseIp(text.slice(0, slash)) : undefined;
    const prefix = Number(text.slice(slash + 1));
    if (!ip || !Number.isInteger(prefix)) {
      throw new ConfigurationError(
        `invalid CIDR ${JSON.stringify(text)}: expected e.g. 10.0.0.0/24`,
      );
    }
    this.family = ip.family;
    this.bits = ip.family === 'IPv4' ? 32 : 128;
    if (prefix < 0 || prefix > this.bits - 2) {
      throw new ConfigurationError(`invalid CIDR ${text}: prefix must leave room for hosts`);
    }
    this.prefixLength = prefix;
    const hostBits = BigInt(this.bits - prefix);
    this.network = (ip.value >> hostBits) << hostBits;
  }

  contains(ip: ParsedIp): boolean {
    if (ip.family !== this.family) return false;
    const hostBits = BigInt(this.bits - this.prefixLength);
    return ip.value >> hostBits === this.network >> hostBits;
  }

  /** The next address not yet handed out (skipping `taken`). */
  allocate(taken: (address: string) => boolean): string {
    const size = 1n << BigInt(this.bits - this.prefixLength);
    while (this.nextHost < size - 1n) {
      const address = formatIp({ family: this.family, value: this.network + this.nextHost++ });
      if (!taken(address)) return address;
    }
    throw new ConfigurationError(`subnet ${this.text} has no free address left`);
  }
}

export function isLoopback(ip: ParsedIp): boolean {
  return ip.family === 'IPv4' ? ip.value >> 24n === 127n : ip.value === 1n;
}

export function isMulticast(ip: ParsedIp): boolean {
  return ip.family === 'IPv4' ? ip.value >> 28n === 0xen : ip.value >> 120n === 0xffn;
}

export function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}
