import type { AddressFamily } from '../address.js';

/** A packet in flight on the virtual network (UDP datagram or TCP segment). */
export interface Packet {
  readonly protocol: 'udp' | 'tcp';
  readonly family: AddressFamily;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** UDP payload, or the TCP segment's payload. */
  readonly data: Buffer;
  /** TCP only. */
  readonly segment?: TcpSegment;
}

/** What a virtual TCP segment carries besides its payload. */
export interface TcpSegment {
  readonly kind: 'syn' | 'syn-ack' | 'data' | 'fin' | 'rst';
  /** Order of data segments within the connection, from 0. */
  readonly seq: number;
}

/** Bytes of IP and UDP (or TCP) headers in front of the payload. */
export function headerBytes(packet: Packet): number {
  const ip = packet.family === 'IPv4' ? 20 : 40;
  return ip + (packet.protocol === 'udp' ? 8 : 20);
}

/** The packet with a new source (outbound NAT). */
export function withSource(packet: Packet, src: string, srcPort: number): Packet {
  return { ...packet, src, srcPort };
}

/** The packet with a new destination (inbound NAT). */
export function withDestination(packet: Packet, dst: string, dstPort: number): Packet {
  return { ...packet, dst, dstPort };
}
