/**
 * Passive ICE-TCP for servers (RFC 6544): one listening TCP port per local address, shared
 * by every agent of a process, as {@link UdpMux} shares a UDP port. Clients behind firewalls
 * that block UDP (browsers offer `tcptype active` candidates) connect to it, and ICE, DTLS and
 * SRTP run over the connection, each packet framed with its 16-bit length (RFC 4571).
 *
 * A new connection belongs to no agent until its first frame, which must be a STUN Binding
 * request (RFC 6544 §7.1: the active side checks first): it goes to the agent whose local
 * ufrag (current or, during a restart, previous) starts its USERNAME, once its
 * MESSAGE-INTEGRITY checks with that agent's password. From then on the connection is that
 * agent's, and one candidate pair of it (RFC 6544 §7.1). Anything else closes the connection
 * and is counted ({@link TcpMux.stats}), never thrown: a first frame that is not such a
 * request, an unknown ufrag, a bad integrity, no first frame within `firstFrameTimeoutMs`,
 * more than `maxPendingConnections` connections waiting for one, an agent at its
 * `maxConnectionsPerAgent`.
 */
import { debuglog } from 'node:util';
import {
  type Clock,
  formatAddress,
  nodeNet,
  type TcpServer,
  type TcpSocket,
  type Timer,
  systemClock,
} from '@x/transport';
import { type AnnouncedAddress, checkAnnounced } from '../announced.js';
import { IceConfigError } from '../errors.js';
import { type MuxAddressOptions, muxAddresses } from '../mux/udp-mux.js';
import { MAGIC_COOKIE, StunAttr, StunClass, StunMethod } from '../stun/constants.js';
import { verifyFingerprint, verifyIntegrity } from '../stun/integrity.js';
import { decodeStun } from '../stun/message.js';
import { FrameReader } from './framing.js';
import {
  RoutedTcpConnection,
  type TcpFrameHandler,
  type TcpListenEndpoint,
  type TcpMuxClient,
  TcpMuxConnection,
  type TcpMuxTables,
} from './tcp-mux-connection.js';

const log = debuglog('x:ice');

/**
 * Options of {@link TcpMux.listen}: where it listens ({@link MuxAddressOptions}; 443 gets
 * through most firewalls) and how it treats new connections.
 */
export interface TcpMuxOptions extends MuxAddressOptions {
  /**
   * How long a new connection may take to send its first frame before it is closed
   * (`dropped.timeout`). Default 10 000 ms.
   */
  readonly firstFrameTimeoutMs?: number;
  /**
   * The most connections waiting for their first frame; one more is closed at once
   * (`dropped.pendingLimit`). Default 1 024.
   */
  readonly maxPendingConnections?: number;
  /**
   * The most open connections routed to one agent (a browser opens one per pair of its
   * active candidates and our passive ones); one more is closed (`dropped.connectionLimit`).
   * Default 16.
   */
  readonly maxConnectionsPerAgent?: number;
}

/** Connections the mux closed before routing them, by reason. */
export interface TcpMuxDrops {
  /** The first frame was not a STUN Binding request with USERNAME and MESSAGE-INTEGRITY. */
  malformed: number;
  /** A Binding request for a ufrag no agent of the mux has. */
  unknownUfrag: number;
  /** A Binding request whose MESSAGE-INTEGRITY does not check with the ufrag's password. */
  badIntegrity: number;
  /** No complete first frame within `firstFrameTimeoutMs`. */
  timeout: number;
  /** `maxPendingConnections` connections were already waiting for their first frame. */
  pendingLimit: number;
  /** The agent had `maxConnectionsPerAgent` open connections already. */
  connectionLimit: number;
}

/** Counters of a {@link TcpMux} (a live object: read, do not write). */
export interface TcpMuxStats {
  /** Every connection accepted on the listeners. */
  connectionsAccepted: number;
  /** Connections handed to an agent. */
  connectionsRouted: number;
  /** Frames received on every connection (routed or not). */
  framesReceived: number;
  /** Frames of length 0, skipped. */
  emptyFrames: number;
  /** Routed connections that ended in the middle of a frame (the partial frame is lost). */
  truncatedFrames: number;
  /** Connections closed before being routed, by reason. */
  readonly dropped: TcpMuxDrops;
}

/** One accepted connection, before and after routing. */
class Accepted {
  readonly reader = new FrameReader();
  timer: Timer | undefined;
  handler: TcpFrameHandler | undefined;
  owner: TcpMuxConnection | undefined;
  routed: RoutedTcpConnection | undefined;
  done = false;

  constructor(
    readonly socket: TcpSocket,
    readonly endpoint: TcpListenEndpoint,
  ) {}
}

/**
 * One TCP listener per local address, on one port, shared by every agent that opts in with
 * `AgentConfig.tcpMux` (or `ManagerConfig.tcpMux`, `RTCConfiguration.tcpMux`). Each agent on
 * it offers a passive TCP host candidate per listener (RFC 6544 §4.5, `tcptype passive`)
 * besides its UDP candidates. Create it once, give it to every agent, close it after them:
 *
 * ```ts
 * const tcp = await TcpMux.listen({ port: 443 });
 * const agent = new Agent({ tcpMux: tcp, controlling: false }, onState);
 * // ... every connection of the process accepts ICE-TCP on port 443 ...
 * await tcp.close();
 * ```
 *
 * Passive only: the agent accepts connections and never connects out (remote passive and
 * simultaneous-open candidates are ignored), which is what a server needs.
 */
export class TcpMux {
  /** Counters (a live object: read, do not write). */
  readonly stats: TcpMuxStats = {
    connectionsAccepted: 0,
    connectionsRouted: 0,
    framesReceived: 0,
    emptyFrames: 0,
    truncatedFrames: 0,
    dropped: {
      malformed: 0,
      unknownUfrag: 0,
      badIntegrity: 0,
      timeout: 0,
      pendingLimit: 0,
      connectionLimit: 0,
    },
  };
  private readonly servers: TcpServer[] = [];
  private readonly endpoints_: TcpListenEndpoint[] = [];
  private readonly agents = new Set<TcpMuxConnection>();
  private readonly ufrags = new Map<string, { conn: TcpMuxConnection; pwd: Buffer }>();
  private readonly pending = new Set<Accepted>();
  private readonly tables: TcpMuxTables;
  private readonly firstFrameTimeoutMs: number;
  private readonly maxPending: number;
  private closed_ = false;

  private constructor(
    private readonly clock: Clock,
    private readonly options: TcpMuxOptions,
  ) {
    this.firstFrameTimeoutMs = options.firstFrameTimeoutMs ?? 10_000;
    this.maxPending = Math.max(1, Math.floor(options.maxPendingConnections ?? 1024));
    this.tables = {
      maxConnectionsPerAgent: Math.max(1, Math.floor(options.maxConnectionsPerAgent ?? 16)),
      ufragTaken: (ufrag, conn) => {
        const e = this.ufrags.get(ufrag);
        return e !== undefined && e.conn !== conn;
      },
      claimUfrag: (ufrag, pwd, conn) => {
        this.ufrags.set(ufrag, { conn, pwd: Buffer.from(pwd, 'utf8') });
      },
      releaseUfrag: (ufrag, conn) => {
        if (this.ufrags.get(ufrag)?.conn === conn) this.ufrags.delete(ufrag);
      },
      connectionClosed: (conn) => this.agents.delete(conn),
    };
  }

  /**
   * Starts the listeners: one per address (see {@link MuxAddressOptions.address}), all on
   * `port`. Throws `IceConfigError` for bad options and the `Net`'s `BindError` when an
   * address or the port cannot be bound (nothing stays open then).
   */
  static async listen(
    options: TcpMuxOptions,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<TcpMux> {
    const { port } = options;
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new IceConfigError('port', `must be an integer in 0..65535, got ${port}`);
    const timeout = options.firstFrameTimeoutMs;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0))
      throw new IceConfigError('firstFrameTimeoutMs', `must be > 0, got ${timeout}`);
    checkAnnounced('announcedAddresses', options.announcedAddresses);
    const net = options.net ?? nodeNet;
    const addresses = muxAddresses(net, options);
    const mux = new TcpMux(options.clock ?? systemClock, options);
    let bound = port;
    try {
      for (const a of addresses) {
        signal?.throwIfAborted();
        let endpoint: TcpListenEndpoint | undefined;
        const server = await net.listenTcp({
          address: a.address,
          port: bound,
          onConnection: (socket) => mux.accept(socket, endpoint!),
        });
        mux.servers.push(server);
        bound = server.localAddress.port;
        endpoint = {
          address: server.localAddress.address,
          port: bound,
          family: server.localAddress.family,
          interfaceName: a.interfaceName,
          localPreference: a.localPreference,
        };
        mux.endpoints_.push(endpoint);
      }
      signal?.throwIfAborted();
    } catch (error) {
      await mux.close();
      throw error;
    }
    log(
      'tcp mux listening on %s',
      mux.endpoints_.map((e) => formatAddress(e.address, e.port)).join(' '),
    );
    return mux;
  }

  /** The port every listener is bound to. */
  get port(): number {
    return this.endpoints_[0]?.port ?? 0;
  }

  /** The addresses and port the mux listens on. */
  get localAddresses(): { address: string; port: number; family: 'IPv4' | 'IPv6' }[] {
    return this.endpoints_.map((e) => ({ address: e.address, port: e.port, family: e.family }));
  }

  /** True once {@link TcpMux.close} has been called. */
  get closed(): boolean {
    return this.closed_;
  }

  /** Open connections: waiting for their first frame, and routed to an agent. */
  get connectionCounts(): {
    readonly pending: number;
    readonly routed: number;
    readonly agents: number;
  } {
    let routed = 0;
    for (const a of this.agents) routed += a.connections.size;
    return { pending: this.pending.size, routed, agents: this.agents.size };
  }

  /** @internal The announced addresses of the mux (an agent's own setting takes precedence). */
  get announcedAddresses(): readonly AnnouncedAddress[] | undefined {
    return this.options.announcedAddresses;
  }

  /**
   * Stops listening and closes every connection, routed or not (close the agents first).
   * Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed_) return;
    this.closed_ = true;
    const closing: Promise<void>[] = [];
    for (const p of [...this.pending]) closing.push(this.drop(p));
    for (const a of [...this.agents]) closing.push(a.close());
    closing.push(...this.servers.map((s) => s.close()));
    await Promise.all(closing);
  }

  /**
   * @internal An agent joins the mux. Throws `IceConfigError` once the mux is closed.
   */
  connect(client: TcpMuxClient): TcpMuxConnection {
    if (this.closed_) throw new IceConfigError('tcpMux', 'the TcpMux is closed');
    const conn = new TcpMuxConnection(this.tables, this.endpoints_, client);
    this.agents.add(conn);
    return conn;
  }

  /** A new connection: it waits for its first frame (bounded in number and in time). */
  private accept(socket: TcpSocket, endpoint: TcpListenEndpoint) {
    this.stats.connectionsAccepted++;
    const a = new Accepted(socket, endpoint);
    if (this.closed_ || this.pending.size >= this.maxPending) {
      this.stats.dropped.pendingLimit++;
      log('tcp mux: too many pending connections, closing %s', describe(socket));
      a.done = true;
      void socket.close();
      return { onData: () => {}, onClose: () => {} };
    }
    this.pending.add(a);
    a.timer = this.clock.setTimeout(() => {
      a.timer = undefined;
      if (a.owner !== undefined || a.done) return;
      this.stats.dropped.timeout++;
      log('tcp mux: no first frame from %s', describe(socket));
      void this.drop(a);
    }, this.firstFrameTimeoutMs);
    return {
      onData: (data: Buffer) => this.onData(a, data),
      onClose: () => this.onClose(a),
    };
  }

  private onData(a: Accepted, data: Buffer): void {
    if (a.done) return;
    a.reader.push(data, (frame) => {
      this.stats.framesReceived++;
      if (a.handler !== undefined) {
        a.handler.frame(frame);
        return !a.done;
      }
      return this.route(a, frame);
    });
    this.stats.emptyFrames += a.reader.emptyFrames;
    a.reader.emptyFrames = 0;
  }

  private onClose(a: Accepted): void {
    if (a.timer !== undefined) a.timer.cancel();
    a.timer = undefined;
    this.pending.delete(a);
    if (a.done) return;
    a.done = true;
    if (a.reader.pendingBytes > 0) this.stats.truncatedFrames++;
    if (a.owner !== undefined && a.routed !== undefined) a.owner.connections.delete(a.routed);
    a.handler?.closed();
  }

  /** Closes a connection that was not routed. */
  private drop(a: Accepted): Promise<void> {
    a.timer?.cancel();
    a.timer = undefined;
    a.done = true;
    this.pending.delete(a);
    return a.socket.close();
  }

  /**
   * The first frame of a connection: a Binding request routed by its USERNAME's ufrag once
   * its MESSAGE-INTEGRITY checks (as {@link UdpMux} routes a new 5-tuple). Returns false when
   * the connection was closed instead.
   */
  private route(a: Accepted, frame: Buffer): boolean {
    const dropped = this.stats.dropped;
    const reject = (reason: keyof TcpMuxDrops, what: string): false => {
      dropped[reason]++;
      log('tcp mux: %s from %s, closing it', what, describe(a.socket));
      void this.drop(a);
      return false;
    };
    if (frame.length < 20 || (frame[0]! & 0xc0) !== 0 || frame.readUInt32BE(4) !== MAGIC_COOKIE)
      return reject('malformed', 'a first frame that is not STUN');
    const msg = decodeStun(frame);
    if (
      msg === undefined ||
      (msg.fingerprintOffset >= 0 && !verifyFingerprint(msg)) ||
      msg.method !== StunMethod.Binding ||
      msg.cls !== StunClass.Request ||
      msg.integrityOffset < 0
    )
      return reject('malformed', 'a first frame that is not a signed Binding request');
    const username = msg.get(StunAttr.Username);
    if (username === undefined) return reject('malformed', 'a check without USERNAME');
    // RFC 8445 §7.2.2: USERNAME is "<receiver's ufrag>:<sender's ufrag>".
    const colon = username.indexOf(0x3a);
    const ufrag = username.toString('utf8', 0, colon < 0 ? username.length : colon);
    const entry = this.ufrags.get(ufrag);
    if (entry === undefined) return reject('unknownUfrag', 'a check for an unknown ufrag');
    if (!verifyIntegrity(msg, entry.pwd))
      return reject('badIntegrity', 'a check with a bad MESSAGE-INTEGRITY');
    const owner = entry.conn;
    if (owner.full) return reject('connectionLimit', 'one connection too many for its agent');
    const routed = new RoutedTcpConnection(a.socket, a.endpoint);
    const handler = owner.client.accept(routed);
    if (handler === undefined) return reject('connectionLimit', 'a connection its agent refused');
    a.timer?.cancel();
    a.timer = undefined;
    this.pending.delete(a);
    a.owner = owner;
    a.routed = routed;
    a.handler = handler;
    owner.connections.add(routed);
    this.stats.connectionsRouted++;
    handler.frame(frame);
    return !a.done;
  }
}

function describe(socket: TcpSocket): string {
  return formatAddress(socket.remoteAddress.address, socket.remoteAddress.port);
}
