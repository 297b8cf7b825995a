/**
 * The sockets Node opens (dgram and net/tls), wrapped as `@x/transport`'s `UdpSocket`
 * and `TcpSocket`: sends checked and counted, errors typed, close awaited. `NodeNet` opens them.
 */
import type { Socket as DgramSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { debuglog } from 'node:util';
import { formatAddress, type SocketAddress } from '../address.js';
import { SocketClosedError } from '../errors.js';
import type { TcpHandlers, TcpSocket, UdpSocket } from '../net.js';
import { UdpCounters, UdpSendCheck } from '../udp-send.js';

const log = debuglog('x:transport');

/** @internal The `code` of a Node error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** @internal A socket address as Node reports it, as a `SocketAddress`. */
export function toSocketAddress(info: {
  address: string;
  port: number;
  family: string;
}): SocketAddress {
  return {
    address: info.address,
    port: info.port,
    family: info.family === 'IPv6' || info.family === '6' ? 'IPv6' : 'IPv4',
  };
}

/**
 * The datagrams a socket handed to dgram and not yet completed, oldest first: a ring of
 * parallel arrays that grows to the largest number in flight, so that a send allocates nothing.
 * {@link shift} removes the oldest and leaves its port and address in `lastPort`/`lastAddress`.
 */
class SendRing {
  private data: (Uint8Array | undefined)[] = new Array(16);
  private port: number[] = new Array(16).fill(0);
  private address: string[] = new Array(16).fill('');
  private head = 0;
  private count = 0;
  lastPort = 0;
  lastAddress = '';

  push(data: Uint8Array | undefined, port: number, address: string): void {
    if (this.count === this.data.length) this.grow();
    const i = (this.head + this.count++) & (this.data.length - 1);
    this.data[i] = data;
    this.port[i] = port;
    this.address[i] = address;
  }

  shift(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    const i = this.head;
    const data = this.data[i];
    this.data[i] = undefined;
    this.lastPort = this.port[i]!;
    this.lastAddress = this.address[i]!;
    this.head = (i + 1) & (this.data.length - 1);
    this.count--;
    return data;
  }

  private grow(): void {
    const order = Array.from({ length: this.count }, (_, k) => (this.head + k) % this.data.length);
    this.data = [...order.map((i) => this.data[i]), ...new Array(this.count)];
    this.port = [...order.map((i) => this.port[i]!), ...new Array(this.count).fill(0)];
    this.address = [...order.map((i) => this.address[i]!), ...new Array(this.count).fill('')];
    this.head = 0;
  }
}

export class NodeUdpSocket implements UdpSocket {
  readonly stats = new UdpCounters();
  closed = false;
  private readonly checks: UdpSendCheck;
  private readonly onSent: (error: Error | null) => void;
  /** Datagrams handed to dgram whose send has not completed yet. */
  private pending = 0;
  /**
   * Those datagrams, oldest first: Node and Bun complete sends in order (Deno completes the
   * sends of one tick in reverse, but never reports the error this is kept for).
   */
  private readonly inFlight = new SendRing();
  /** Set by close() while datagrams are pending: closes the socket once the last one left. */
  private drained: (() => void) | undefined;

  constructor(
    private readonly socket: DgramSocket,
    readonly localAddress: SocketAddress,
    private readonly untrack: () => void,
  ) {
    this.checks = new UdpSendCheck(localAddress);
    this.onSent = (error) => {
      const sent = this.inFlight;
      const data = sent.shift();
      // ECONNREFUSED from a send on an unconnected socket is an earlier datagram's ICMP port
      // unreachable, and this datagram never left. Node never reports it; Bun 1.4 hands it to
      // the next send (measured: with a send to a closed port before each, 0 of 20 datagrams
      // to a live port arrived, and all 20 once each failed one was sent again). Sent again,
      // once (a retry is queued without its data).
      if (data !== undefined && error && errorCode(error) === 'ECONNREFUSED') {
        sent.push(undefined, sent.lastPort, sent.lastAddress);
        this.socket.send(data, sent.lastPort, sent.lastAddress, this.onSent);
        return;
      }
      if (--this.pending === 0 && this.drained) this.drained();
      if (error) {
        this.stats.sendErrors++;
        log(
          'udp %s send failed: %s',
          formatAddress(localAddress.address, localAddress.port),
          error.message,
        );
      }
    };
  }

  send(data: Uint8Array, port: number, address: string): void {
    this.checks.check(this.closed, data, port, address, this.stats);
    this.pending++;
    this.inFlight.push(data, port, address);
    this.socket.send(data, port, address, this.onSent);
  }

  addMembership(group: string, interfaceAddress?: string): void {
    if (this.closed) throw new SocketClosedError('UDP socket is closed');
    this.socket.addMembership(group, interfaceAddress);
  }

  dropMembership(group: string, interfaceAddress?: string): void {
    if (this.closed) throw new SocketClosedError('UDP socket is closed');
    this.socket.dropMembership(group, interfaceAddress);
  }

  /**
   * Closes the socket once every datagram already sent has left: dgram resolves the address
   * of a send on a later tick, and a socket closed before that drops the datagram silently
   * (what a layer sends as it closes, an SCTP ABORT or a DTLS close_notify, would never reach
   * the peer).
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      const close = (): void => {
        this.drained = undefined;
        this.socket.close(() => {
          this.untrack();
          resolve();
        });
      };
      if (this.pending === 0) close();
      else this.drained = close;
    });
  }
}

export class NodeTcpSocket implements TcpSocket {
  closed = false;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly socket: Socket,
    readonly localAddress: SocketAddress,
    readonly remoteAddress: SocketAddress,
    handlers: TcpHandlers,
    untrack: () => void,
  ) {
    let lastError: Error | undefined;
    // The protocols on top (TURN over TCP, RFC 6062 framing) send whole messages: Nagle's
    // algorithm would hold the second of two small writes for a round trip.
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => handlers.onData(data));
    socket.on('error', (error) => {
      lastError = error;
      log(
        'tcp %s error: %s',
        formatAddress(remoteAddress.address, remoteAddress.port),
        error.message,
      );
    });
    this.closedPromise = new Promise((resolve) => {
      socket.once('close', () => {
        this.closed = true;
        untrack();
        handlers.onClose(lastError);
        resolve();
      });
    });
  }

  write(data: Uint8Array): void {
    if (this.closed || this.socket.destroyed) {
      throw new SocketClosedError(
        `TCP connection to ${formatAddress(this.remoteAddress.address, this.remoteAddress.port)} is closed`,
      );
    }
    this.socket.write(data);
  }

  close(): Promise<void> {
    if (!this.socket.destroyed) {
      this.socket.end();
      // Give the peer a moment to finish gracefully, then force it.
      const force = setTimeout(() => this.socket.destroy(), 1000);
      void this.closedPromise.then(() => clearTimeout(force));
    }
    return this.closedPromise;
  }
}

/** @internal Both ends of a connected TCP socket. */
export function socketAddresses(socket: Socket): { local: SocketAddress; remote: SocketAddress } {
  return {
    local: toSocketAddress({
      address: socket.localAddress ?? '',
      port: socket.localPort ?? 0,
      family: socket.localFamily ?? 'IPv4',
    }),
    remote: toSocketAddress({
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      family: socket.remoteFamily ?? 'IPv4',
    }),
  };
}
