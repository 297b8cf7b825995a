/**
 * What every `UdpSocket` implementation shares: its counters and the checks `send` makes
 * before a datagram leaves (closed socket, size, address literal and family, port).
 */
import { addressFamily, formatAddress, MAX_UDP_PAYLOAD, type SocketAddress } from './address.js';
import { DatagramTooLargeError, InvalidAddressError, SocketClosedError } from './errors.js';
import type { UdpSocketStats } from './net.js';

/** @internal Mutable counters behind `UdpSocket.stats`. */
export class UdpCounters implements UdpSocketStats {
  datagramsSent = 0;
  bytesSent = 0;
  datagramsReceived = 0;
  bytesReceived = 0;
  sendErrors = 0;
}

/** @internal The checks of `UdpSocket.send`, with the last destination remembered (hot path). */
export class UdpSendCheck {
  private lastAddress = '';

  constructor(private readonly local: SocketAddress) {}

  /** Throws the typed error `send` documents; otherwise counts the datagram in `stats`. */
  check(
    closed: boolean,
    data: Uint8Array,
    port: number,
    address: string,
    stats: UdpCounters,
  ): void {
    const local = this.local;
    if (closed) {
      throw new SocketClosedError(
        `UDP socket ${formatAddress(local.address, local.port)} is closed; bind a new one`,
      );
    }
    const limit = MAX_UDP_PAYLOAD[local.family];
    if (data.byteLength > limit) throw new DatagramTooLargeError(data.byteLength, limit);
    if (address !== this.lastAddress) {
      const family = addressFamily(address);
      if (family === undefined)
        throw new InvalidAddressError(address, 'not an IPv4 or IPv6 literal');
      if (family !== local.family) {
        throw new InvalidAddressError(
          address,
          `an ${local.family} socket cannot send to ${family}`,
        );
      }
      this.lastAddress = address;
    }
    if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
      throw new InvalidAddressError(formatAddress(address, port), 'port out of range 1..65535');
    }
    stats.datagramsSent++;
    stats.bytesSent += data.byteLength;
  }
}
