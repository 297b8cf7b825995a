/**
 * Sockets, injected: every layer takes a {@link Net}. {@link NodeNet} implements it on
 * `node:dgram`, `node:net`, `node:tls` and `node:os`; `VirtualNet` (from `@x/transport/testing`)
 * implements it on an in-memory network with loss, delay and NAT. Code cannot tell them apart.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { AddressFamily, SocketAddress } from './address.js';

/** One address of a network interface. */
export interface InterfaceAddress {
  readonly address: string;
  readonly family: AddressFamily;
  /** Prefix length of the subnet (24 for a /24). */
  readonly prefixLength: number;
  /** True for loopback addresses. */
  readonly internal: boolean;
  /** The IPv6 scope id (link-local addresses), when there is one. */
  readonly scopeId?: number;
}

/** A network interface of this host. */
export interface NetworkInterface {
  readonly name: string;
  readonly addresses: readonly InterfaceAddress[];
}

/**
 * Called for every datagram a UDP socket receives.
 *
 * `data` is valid only until the handler returns: an implementation may reuse the memory for
 * the next datagram, so copy what you keep (`Buffer.from(data)`). `from` is likewise
 * read-only and may be reused.
 */
export type DatagramHandler = (data: Buffer, from: SocketAddress) => void;

/** Options of {@link Net.bindUdp}. */
export interface UdpBindOptions {
  /**
   * Local address to bind. Defaults to `0.0.0.0` (or `::` when `family` is `'IPv6'`).
   * Must be one of the host's addresses or a wildcard.
   */
  readonly address?: string;
  /** Local port; 0 (the default) lets the system choose. */
  readonly port?: number;
  /** Family when `address` is not given. Defaults to `'IPv4'`. */
  readonly family?: AddressFamily;
  /** Allow several sockets on one port (needed for mDNS on 5353). Defaults to false. */
  readonly reuseAddress?: boolean;
  /**
   * Receive buffer (`SO_RCVBUF`) in bytes: how many datagrams may wait for the event loop
   * before the system drops them. A hint: the implementation's default when absent, capped
   * by the system; the virtual network does not limit its queues.
   */
  readonly receiveBufferSize?: number;
  /** Send buffer (`SO_SNDBUF`) in bytes; a hint like {@link UdpBindOptions.receiveBufferSize}. */
  readonly sendBufferSize?: number;
  /** Called when a datagram arrives. */
  readonly onMessage: DatagramHandler;
}

/** Counters a socket keeps; read them at any time. */
export interface UdpSocketStats {
  readonly datagramsSent: number;
  readonly bytesSent: number;
  readonly datagramsReceived: number;
  readonly bytesReceived: number;
  /** Datagrams the system refused to send (no route, message too long for the path, ...). */
  readonly sendErrors: number;
}

/** A bound UDP socket. */
export interface UdpSocket {
  /** The address and port this socket is bound to. */
  readonly localAddress: SocketAddress;
  /** True once {@link UdpSocket.close} has been called. */
  readonly closed: boolean;
  /** Counters of this socket. */
  readonly stats: UdpSocketStats;
  /**
   * Sends one datagram. Does not throw for network conditions (they are counted in
   * `stats.sendErrors` and the datagram is lost, as UDP would lose it); throws
   * `SocketClosedError` after close, `DatagramTooLargeError` above the UDP limit and
   * `InvalidAddressError` for an address that is not an IP literal of a reachable family.
   *
   * Zero-copy: the implementation may read `data` after `send` returns (Node's dgram sends
   * on a later tick), so do not modify it afterwards; allocate a buffer per datagram.
   */
  send(data: Uint8Array, port: number, address: string): void;
  /** Joins a multicast group (on the interface of `interfaceAddress`, or the default one). */
  addMembership(group: string, interfaceAddress?: string): void;
  /** Leaves a multicast group. */
  dropMembership(group: string, interfaceAddress?: string): void;
  /** Closes the socket; the handler is not called afterwards. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link Net.connectTcp}. */
export interface TcpConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Local address to connect from. */
  readonly localAddress?: string;
  /** Wraps the connection in TLS (e.g. `turns:`). `servername` defaults to `host`. */
  readonly tls?: TlsConnectionOptions;
  /** Aborts the connection attempt. */
  readonly signal?: AbortSignal;
}

/** Callbacks of a TCP connection, handed over when it is made. */
export interface TcpHandlers {
  /** Bytes arrived. The buffer belongs to the handler. */
  readonly onData: (data: Buffer) => void;
  /** The connection ended (by either side, or by an error, given as `error`). Called once. */
  readonly onClose: (error?: Error) => void;
}

/** A connected TCP (or TLS over TCP) stream. */
export interface TcpSocket {
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  readonly closed: boolean;
  /** Queues bytes for sending; throws `SocketClosedError` after close. */
  write(data: Uint8Array): void;
  /** Closes the connection (gracefully when possible). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link Net.listenTcp}. */
export interface TcpListenOptions {
  readonly address?: string;
  readonly port?: number;
  readonly family?: AddressFamily;
  /** Serve TLS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /** Called for every accepted connection; returns its handlers. */
  readonly onConnection: (socket: TcpSocket) => TcpHandlers;
}

/** A listening TCP server. */
export interface TcpServer {
  readonly localAddress: SocketAddress;
  /** Stops accepting and closes every accepted connection. Idempotent. */
  close(): Promise<void>;
}

/** Sockets and interfaces of a host. */
export interface Net {
  /** The interfaces of this host and their addresses. */
  interfaces(): NetworkInterface[];
  /**
   * Binds a UDP socket. Rejects with `BindError` when the port is taken or the address is not
   * this host's.
   */
  bindUdp(options: UdpBindOptions): Promise<UdpSocket>;
  /** Opens a TCP connection. Rejects with `ConnectError`. */
  connectTcp(options: TcpConnectOptions, handlers: TcpHandlers): Promise<TcpSocket>;
  /** Listens for TCP connections. Rejects with `BindError`. */
  listenTcp(options: TcpListenOptions): Promise<TcpServer>;
}
