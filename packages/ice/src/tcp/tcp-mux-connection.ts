/**
 * One agent's share of a {@link TcpMux}: the ufrags that route new connections to it, the
 * connections it was given, and the `UdpSocket` view through which the agent sends on each
 * connection (one RFC 4571 frame per datagram). Closing the share closes its connections and
 * releases its ufrags, never the listeners.
 */
import { checkUfragFree, replaceUfrags } from '../mux/mux-connection.js';
import {
  DatagramTooLargeError,
  type SocketAddress,
  SocketClosedError,
  type TcpSocket,
  type UdpSocket,
  type UdpSocketStats,
} from '@x/transport';
import type { IceCredentials } from '../credentials.js';
import { IceError } from '../errors.js';
import { encodeFrame, MAX_FRAME_PAYLOAD } from './framing.js';

/** @internal A listening address of the mux. */
export interface TcpListenEndpoint {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
  readonly interfaceName: string;
  readonly localPreference: number;
}

/** @internal What the agent gives the mux: where a routed connection's frames go. */
export interface TcpMuxClient {
  /**
   * A connection authenticated for this agent (its first frame, a Binding request, checked
   * with our password): returns the handler of its frames (the first one included), or
   * undefined to refuse it (the mux closes it and counts it).
   */
  accept(connection: RoutedTcpConnection): TcpFrameHandler | undefined;
}

/** @internal The frames and the end of one routed connection. */
export interface TcpFrameHandler {
  /** A frame arrived (valid only during the call). */
  frame(data: Buffer): void;
  /** The connection ended (either side, or an error); called once. */
  closed(): void;
}

/** @internal What the share needs of its mux. */
export interface TcpMuxTables {
  readonly maxConnectionsPerAgent: number;
  ufragTaken(ufrag: string, conn: TcpMuxConnection): boolean;
  claimUfrag(ufrag: string, pwd: string, conn: TcpMuxConnection): void;
  releaseUfrag(ufrag: string, conn: TcpMuxConnection): void;
  connectionClosed(conn: TcpMuxConnection): void;
}

/** @internal An accepted TCP connection as the agent sees it: a socket to send frames on. */
export class RoutedTcpConnection implements UdpSocket {
  readonly stats: UdpSocketStats & {
    datagramsSent: number;
    bytesSent: number;
    datagramsReceived: number;
    bytesReceived: number;
    sendErrors: number;
  } = { datagramsSent: 0, bytesSent: 0, datagramsReceived: 0, bytesReceived: 0, sendErrors: 0 };

  constructor(
    readonly tcp: TcpSocket,
    /** The listening endpoint it arrived on (its address and port are the candidate's). */
    readonly endpoint: TcpListenEndpoint,
  ) {}

  get localAddress(): SocketAddress {
    return {
      address: this.endpoint.address,
      port: this.endpoint.port,
      family: this.endpoint.family,
    };
  }

  get remoteAddress(): SocketAddress {
    return this.tcp.remoteAddress;
  }

  get closed(): boolean {
    return this.tcp.closed;
  }

  /**
   * Sends `data` as one frame. The connection is its own path: `port` and `address` must be
   * its remote's (RFC 6544 §7.1: a pair is bound to its connection). Throws like a UDP socket:
   * `SocketClosedError` once closed, `DatagramTooLargeError` above 65 535 bytes (RFC 4571).
   */
  send(data: Uint8Array, port: number, address: string): void {
    if (this.tcp.closed) throw new SocketClosedError('the ICE-TCP connection is closed');
    if (data.byteLength > MAX_FRAME_PAYLOAD) {
      this.stats.sendErrors++;
      throw new DatagramTooLargeError(data.byteLength, MAX_FRAME_PAYLOAD);
    }
    const remote = this.tcp.remoteAddress;
    if (port !== remote.port || address !== remote.address) {
      this.stats.sendErrors++;
      return;
    }
    this.stats.datagramsSent++;
    this.stats.bytesSent += data.byteLength;
    this.tcp.write(encodeFrame(data));
  }

  addMembership(): void {
    throw new IceError('an ICE-TCP connection joins no multicast group');
  }

  dropMembership(): void {
    throw new IceError('an ICE-TCP connection joins no multicast group');
  }

  /** Closes the TCP connection. Idempotent. */
  close(): Promise<void> {
    return this.tcp.close();
  }
}

/** @internal See the file comment. */
export class TcpMuxConnection {
  closed = false;
  private ufrags: string[] = [];
  /** The connections routed to this agent and still open. */
  readonly connections = new Set<RoutedTcpConnection>();

  constructor(
    private readonly tables: TcpMuxTables,
    readonly endpoints: readonly TcpListenEndpoint[],
    readonly client: TcpMuxClient,
  ) {}

  /** The credentials new connections may be authenticated with (see `MuxConnection`). */
  setCredentials(list: readonly (IceCredentials | undefined)[]): void {
    if (this.closed) return;
    this.ufrags = replaceUfrags(this.tables, this, this.ufrags, list, 'TcpMux');
  }

  /** Throws `IceConfigError` when another agent of the mux routes connections by `ufrag`. */
  checkUfrag(ufrag: string): void {
    checkUfragFree(this.tables, this, ufrag, 'TcpMux');
  }

  /** True when one more connection would exceed `maxConnectionsPerAgent`. */
  get full(): boolean {
    return this.connections.size >= this.tables.maxConnectionsPerAgent;
  }

  /** Leaves the mux: every connection of this agent is closed, its ufrags released. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const u of this.ufrags) this.tables.releaseUfrag(u, this);
    this.ufrags = [];
    this.tables.connectionClosed(this);
    const closing = [...this.connections].map((c) => c.close());
    this.connections.clear();
    return Promise.all(closing).then(() => {});
  }
}
