/**
 * (XOR-)MAPPED-ADDRESS value encoding, RFC 8489 §14.1 and §14.2, written into and read from
 * buffers in place: no intermediate arrays.
 */
import type { AddressFamily, SocketAddress } from '@x/transport';
import { MAGIC_COOKIE } from './constants.js';

/** Writes the 4 or 16 bytes of an IP literal at `offset`; returns false if it is not one. */
export function writeIp(address: string, out: Buffer, offset: number): AddressFamily | undefined {
  if (address.includes(':')) {
    const bytes = ipv6Bytes(address);
    if (bytes === undefined) return undefined;
    for (let i = 0; i < 16; i++) out[offset + i] = bytes[i]!;
    return 'IPv6';
  }
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[offset + i] = n;
  }
  return 'IPv4';
}

/** The 16 bytes of an IPv6 literal (zone ids stripped; an embedded IPv4 tail allowed). */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  const lastColon = address.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  if (address.includes('.', lastColon)) {
    // Rewrite a dotted IPv4 tail as two hex groups, then parse as usual.
    const v4 = Buffer.alloc(4);
    if (writeIp(address.slice(lastColon + 1), v4, 0) !== 'IPv4') return undefined;
    address = `${address.slice(0, lastColon + 1)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  let groups = head;
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  }
  if (groups.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = groups[i]! >> 8;
    bytes[2 * i + 1] = groups[i]! & 0xff;
  }
  return bytes;
}

/** Formats 16 bytes as a canonical (RFC 5952) IPv6 literal. */
export function formatIpv6(b: Uint8Array, offset: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[offset + 2 * i]! << 8) | b[offset + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/**
 * Decodes a (XOR-)MAPPED-ADDRESS value at `buf[offset..offset+length]`. With `xor`, the
 * transaction id is read from `buf[txOffset..txOffset+12]`. Undefined when malformed.
 */
export function readAddress(
  buf: Buffer,
  offset: number,
  length: number,
  xor: boolean,
  txOffset: number,
): SocketAddress | undefined {
  if (length < 8) return undefined;
  const family = buf[offset + 1];
  let port = buf.readUInt16BE(offset + 2);
  if (xor) port ^= MAGIC_COOKIE >>> 16;
  if (family === 0x01) {
    if (length !== 8) return undefined;
    let a = buf.readUInt32BE(offset + 4);
    if (xor) a = (a ^ MAGIC_COOKIE) >>> 0;
    return {
      address: `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`,
      port,
      family: 'IPv4',
    };
  }
  if (family === 0x02) {
    if (length !== 20) return undefined;
    const b = new Uint8Array(16);
    for (let i = 0; i < 16; i++) {
      let x = buf[offset + 4 + i]!;
      if (xor) x ^= i < 4 ? (MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff : buf[txOffset + i - 4]!;
      b[i] = x;
    }
    return { address: formatIpv6(b, 0), port, family: 'IPv6' };
  }
  return undefined;
}

/**
 * Writes a (XOR-)MAPPED-ADDRESS value (8 or 20 bytes) at `offset`; returns its length, or -1
 * for an address that is not an IP literal.
 */
export function writeAddress(
  out: Buffer,
  offset: number,
  address: string,
  port: number,
  xor: boolean,
  transactionId: Uint8Array,
): number {
  const family = writeIp(address, out, offset + 4);
  if (family === undefined) return -1;
  out[offset] = 0;
  out[offset + 1] = family === 'IPv4' ? 1 : 2;
  out.writeUInt16BE(xor ? (port ^ (MAGIC_COOKIE >>> 16)) & 0xffff : port & 0xffff, offset + 2);
  const n = family === 'IPv4' ? 4 : 16;
  if (xor) {
    for (let i = 0; i < n; i++) {
      out[offset + 4 + i]! ^=
        i < 4 ? (MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff : transactionId[i - 4]!;
    }
  }
  return 4 + n;
}
