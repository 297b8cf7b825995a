/**
 * One UDP port for every ICE agent of a process (pion's `UDPMuxDefault`, the single-port
 * servers of mediasoup's `WebRtcServer` and libwebrtc-based SFUs): what arrives on the shared
 * port is routed to the agent it belongs to (RFC 8445 §7.3: an agent tells its checks apart by
 * the USERNAME's ufrag and the transport addresses they come from).
 *
 * Routing of each datagram, first match wins:
 * 1. a known 5-tuple (the mux socket and the remote address and port): the agent that owns it;
 * 2. a STUN Binding request from an unknown 5-tuple: the agent whose local ufrag (current or,
 *    during a restart, previous) is the USERNAME's first part, and only once the request's
 *    MESSAGE-INTEGRITY checks with that agent's password is the 5-tuple routed to it from
 *    then on: nothing is created for unauthenticated input;
 * 3. a STUN response: the agent whose request it answers (by transaction id; the requests an
 *    agent sends to addresses it has no route from: its first checks, its STUN-server queries),
 *    if it comes from where the request went; this rule also runs first for a response from a
 *    known 5-tuple, so two agents may check towards one remote address;
 * 4. anything else is dropped and counted ({@link UdpMux.stats}), and logged at
 *    `NODE_DEBUG=x:ice`.
 *
 * A remote transport address belongs to one agent at a time: two connections between the same
 * two transport addresses (a peer that also runs one port for all) cannot share the mux.
 */
import { isIP } from 'node:net';
import { debuglog } from 'node:util';
import { type Clock, type Net, nodeNet, type SocketAddress, systemClock } from '@x/transport';
import { type AnnouncedAddress, checkAnnounced } from '../announced.js';
import { IceConfigError } from '../errors.js';
import { hostAddresses } from '../gather.js';
import { localPreference } from '../priority.js';
import { MAGIC_COOKIE, StunAttr, StunClass, StunMethod } from '../stun/constants.js';
import { verifyFingerprint, verifyIntegrity } from '../stun/integrity.js';
import { decodeStun } from '../stun/message.js';
import { type MuxClient, MuxConnection, type MuxSocket, type MuxTables } from './mux-connection.js';

const log = debuglog('x:ice');

/**
 * How long a transaction of a request to an unknown address stays routable: longer than a
 * check's retransmissions last (39.5 s with the defaults, RFC 8445 §14.3).
 */
const TRANSACTION_TTL_MS = 60_000;

/**
 * Where a mux (UDP or TCP) listens, shared by {@link UdpMuxOptions} and `TcpMuxOptions`: its
 * sockets, its clock, one port on a set of addresses, and the public addresses to announce.
 */
export interface MuxAddressOptions {
  /** Sockets. Default: `nodeNet` from `@x/transport`. */
  readonly net?: Net;
  /** Time (route expiry, timeouts). Default `systemClock`. */
  readonly clock?: Clock;
  /**
   * The port every socket or listener binds (the same on every address). 0 lets the system
   * choose it for the first address; the others then take the same.
   */
  readonly port: number;
  /**
   * The addresses to bind, one socket or listener each. Default: every address of every
   * interface, filtered as host gathering does (no loopback, no IPv6 link-local). Wildcards
   * (`0.0.0.0`, `::`) are refused: a host candidate must be a real address, and a wildcard
   * socket cannot tell which of the host's addresses a datagram arrived on.
   */
  readonly address?: string | readonly string[];
  /** Bind IPv6 addresses too (when `address` is not given). Default true. */
  readonly ipv6?: boolean;
  /** Bind loopback addresses too (when `address` is not given). Default false. */
  readonly includeLoopback?: boolean;
  /**
   * Public addresses to announce for the mux's private ones (1:1 NAT, the port kept); an
   * agent's own `announcedAddresses` takes precedence. See {@link AnnouncedAddress}.
   */
  readonly announcedAddresses?: readonly AnnouncedAddress[];
}

/** Options of {@link UdpMux.bind}. */
export interface UdpMuxOptions extends MuxAddressOptions {
  /**
   * The most remote transport addresses routed to one agent, so that a check replayed from
   * many addresses cannot grow the table. Beyond it, a new address takes the place of the one
   * silent the longest if that one has been silent for `routeIdleMs`, else its check is dropped
   * (`dropped.routeLimit`). Default 100 (the agent's `maxPairs` default).
   */
  readonly maxRoutesPerAgent?: number;
  /**
   * How long a route must have been silent before a new address may take its place (see
   * `maxRoutesPerAgent`). The selected pair is never that silent: consent requests flow on it
   * (RFC 7675). Default 30 000 ms.
   */
  readonly routeIdleMs?: number;
  /** `SO_RCVBUF` of each socket (many connections share it). Default: the system's. */
  readonly receiveBufferSize?: number;
}

/** Datagrams the mux dropped, by reason. */
export interface UdpMuxDrops {
  /** A Binding request for a ufrag no agent of the mux has. */
  unknownUfrag: number;
  /** A Binding request whose MESSAGE-INTEGRITY does not check with the ufrag's password. */
  badIntegrity: number;
  /** A malformed STUN message (or a bad FINGERPRINT, or a request without USERNAME or integrity). */
  malformed: number;
  /** Not STUN, or a response to no request, from a 5-tuple no agent owns. */
  noRoute: number;
  /** An authenticated check from a new address of an agent that has `maxRoutesPerAgent` already. */
  routeLimit: number;
}

/** Counters of a {@link UdpMux} (a live object: read, do not write). */
export interface UdpMuxStats {
  /** Every datagram received on the mux's sockets. */
  datagramsReceived: number;
  /** Routed by a known 5-tuple. */
  routedByAddress: number;
  /** Binding requests routed by their ufrag (and authenticated). */
  routedByUfrag: number;
  /** STUN responses routed by their transaction id. */
  routedByTransaction: number;
  /** What was dropped, by reason. */
  readonly dropped: UdpMuxDrops;
}

/** The sizes of the mux's routing tables (they only grow with agents and authenticated checks). */
export interface UdpMuxRouteCounts {
  /** Agents on the mux. */
  readonly agents: number;
  /** Remote transport addresses routed to an agent (every socket together). */
  readonly addresses: number;
  /** Ufrags routed (one per agent, two during an ICE restart). */
  readonly ufrags: number;
  /** Outstanding requests to addresses not yet routed. */
  readonly transactions: number;
}

interface Transaction {
  readonly conn: MuxConnection;
  readonly socket: MuxSocket;
  /** Where the request went: only a response from there answers it (RFC 8445 §7.2.5.2.1). */
  readonly address: string;
  readonly port: number;
  at: number;
}

/**
 * One UDP socket per local address, on one port, shared by every agent that opts in with
 * `AgentConfig.udpMux` (or `ManagerConfig.udpMux`). Create it once, give it to every agent,
 * close it after them:
 *
 * ```ts
 * const mux = await UdpMux.bind({ port: 3478 });
 * const agent = new Agent({ udpMux: mux, controlling: false }, onState);
 * // ... every connection of the process on port 3478 ...
 * await mux.close();
 * ```
 *
 * An agent on the mux binds no socket: its host candidates are the mux's addresses and port
 * (or the announced ones), its server-reflexive queries leave from the mux socket, and closing
 * it releases only its routes. See the file comment for the routing rules.
 */
export class UdpMux {
  /** Counters (a live object: read, do not write). */
  readonly stats: UdpMuxStats = {
    datagramsReceived: 0,
    routedByAddress: 0,
    routedByUfrag: 0,
    routedByTransaction: 0,
    dropped: { unknownUfrag: 0, badIntegrity: 0, malformed: 0, noRoute: 0, routeLimit: 0 },
  };
  private readonly sockets: MuxSocket[] = [];
  private readonly connections = new Set<MuxConnection>();
  private readonly ufrags = new Map<string, { conn: MuxConnection; pwd: Buffer }>();
  private readonly transactions = new Map<string, Transaction>();
  private sweepAt = 1024;
  private closed_ = false;
  private readonly tables: MuxTables;

  private constructor(
    private readonly clock: Clock,
    options: UdpMuxOptions,
  ) {
    this.tables = {
      maxRoutesPerAgent: Math.max(1, Math.floor(options.maxRoutesPerAgent ?? 100)),
      routeIdleMs: options.routeIdleMs ?? 30_000,
      now: () => this.clock.now(),
      announcedAddresses: options.announcedAddresses,
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
      noteTransaction: (key, conn, socket, address, port) =>
        this.noteTransaction(key, conn, socket, address, port),
      releaseTransaction: (key, conn) => {
        if (this.transactions.get(key)?.conn === conn) this.transactions.delete(key);
      },
      connectionClosed: (conn) => this.connections.delete(conn),
    };
  }

  /**
   * Binds the mux's sockets: one per address (see {@link MuxAddressOptions.address}), all on
   * `port`. Throws `IceConfigError` for bad options and the `Net`'s `BindError` when an address
   * or the port cannot be bound (nothing stays open then).
   */
  static async bind(
    options: UdpMuxOptions,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<UdpMux> {
    const { port } = options;
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new IceConfigError('port', `must be an integer in 0..65535, got ${port}`);
    checkAnnounced('announcedAddresses', options.announcedAddresses);
    const net = options.net ?? nodeNet;
    const addresses = muxAddresses(net, options);
    const mux = new UdpMux(options.clock ?? systemClock, options);
    let bound = port;
    try {
      for (const a of addresses) {
        signal?.throwIfAborted();
        const index = mux.sockets.length;
        let entry: MuxSocket | undefined;
        const socket = await net.bindUdp({
          address: a.address,
          port: bound,
          onMessage: (data, from) => {
            if (entry !== undefined) mux.receive(entry, data, from);
          },
          ...(options.receiveBufferSize !== undefined
            ? { receiveBufferSize: options.receiveBufferSize }
            : {}),
        });
        entry = {
          index,
          socket,
          interfaceName: a.interfaceName,
          localPreference: a.localPreference,
          routes: new Map(),
        };
        mux.sockets.push(entry);
        bound = socket.localAddress.port;
      }
      signal?.throwIfAborted();
    } catch (error) {
      await mux.close();
      throw error;
    }
    log('udp mux bound on %s', mux.localAddresses.map((a) => `${a.address}:${a.port}`).join(' '));
    return mux;
  }

  /** The port every socket of the mux is bound to. */
  get port(): number {
    return this.sockets[0]?.socket.localAddress.port ?? 0;
  }

  /** The local transport addresses of the mux's sockets. */
  get localAddresses(): SocketAddress[] {
    return this.sockets.map((s) => s.socket.localAddress);
  }

  /** True once {@link UdpMux.close} has been called. */
  get closed(): boolean {
    return this.closed_;
  }

  /** The sizes of the routing tables, to watch that they stay bounded. */
  get routeCounts(): UdpMuxRouteCounts {
    let addresses = 0;
    for (const s of this.sockets) for (const byPort of s.routes.values()) addresses += byPort.size;
    return {
      agents: this.connections.size,
      addresses,
      ufrags: this.ufrags.size,
      transactions: this.transactions.size,
    };
  }

  /**
   * Closes the shared sockets. Agents still on the mux can no longer send or receive (close
   * them first). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed_) return;
    this.closed_ = true;
    for (const conn of [...this.connections]) conn.close();
    await Promise.all(this.sockets.map((s) => s.socket.close()));
  }

  /**
   * @internal An agent joins the mux: its routes, and a socket view per mux socket. Throws
   * `IceConfigError` once the mux is closed.
   */
  connect(client: MuxClient): MuxConnection {
    if (this.closed_) throw new IceConfigError('udpMux', 'the UdpMux is closed');
    const conn = new MuxConnection(this.tables, this.sockets, client);
    this.connections.add(conn);
    return conn;
  }

  /** Every datagram of every mux socket (hot path: two map lookups for a known 5-tuple). */
  private receive(socket: MuxSocket, data: Buffer, from: SocketAddress): void {
    this.stats.datagramsReceived++;
    const route = socket.routes.get(from.address)?.get(from.port);
    if (route === undefined) {
      this.routeUnknown(socket, data, from);
      return;
    }
    route.lastSeen = this.clock.now();
    // A STUN response (first byte 1) answers whoever sent its request, even from a 5-tuple
    // another agent owns (two agents checking towards one remote address).
    if (data[0] === 1 && this.routeResponse(socket, data, from, false)) return;
    this.stats.routedByAddress++;
    route.conn.client.receive(socket.index, data, from);
  }

  /** A datagram from a 5-tuple no agent owns: only STUN can open a route (rules 2 and 3). */
  private routeUnknown(socket: MuxSocket, data: Buffer, from: SocketAddress): void {
    const dropped = this.stats.dropped;
    if (data.length < 20 || (data[0]! & 0xc0) !== 0 || data.readUInt32BE(4) !== MAGIC_COOKIE) {
      dropped.noRoute++;
      if (log.enabled)
        log('mux: no route for %d bytes from %s:%d', data.length, from.address, from.port);
      return;
    }
    if (data[0] === 1) {
      if (!this.routeResponse(socket, data, from, true)) {
        dropped.noRoute++;
        if (log.enabled) log('mux: response to no request from %s:%d', from.address, from.port);
      }
      return;
    }
    const msg = decodeStun(data);
    if (
      msg === undefined ||
      (msg.fingerprintOffset >= 0 && !verifyFingerprint(msg)) ||
      (msg.cls === StunClass.Request && msg.integrityOffset < 0)
    ) {
      dropped.malformed++;
      if (log.enabled) log('mux: malformed STUN from %s:%d', from.address, from.port);
      return;
    }
    if (msg.method !== StunMethod.Binding || msg.cls !== StunClass.Request) {
      dropped.noRoute++;
      if (log.enabled) log('mux: unroutable STUN from %s:%d', from.address, from.port);
      return;
    }
    const username = msg.get(StunAttr.Username);
    if (username === undefined) {
      dropped.malformed++;
      if (log.enabled) log('mux: check without USERNAME from %s:%d', from.address, from.port);
      return;
    }
    // RFC 8445 §7.2.2: USERNAME is "<receiver's ufrag>:<sender's ufrag>".
    const colon = username.indexOf(0x3a);
    const ufrag = username.toString('utf8', 0, colon < 0 ? username.length : colon);
    const entry = this.ufrags.get(ufrag);
    if (entry === undefined) {
      dropped.unknownUfrag++;
      if (log.enabled) log('mux: unknown ufrag from %s:%d', from.address, from.port);
      return;
    }
    if (!verifyIntegrity(msg, entry.pwd)) {
      dropped.badIntegrity++;
      if (log.enabled) log('mux: bad MESSAGE-INTEGRITY from %s:%d', from.address, from.port);
      return;
    }
    if (!entry.conn.learn(socket, from.address, from.port)) {
      dropped.routeLimit++;
      if (log.enabled) log('mux: route limit reached, dropped %s:%d', from.address, from.port);
      return;
    }
    this.stats.routedByUfrag++;
    entry.conn.client.receive(socket.index, data, from);
  }

  /**
   * Rule 3: hands a STUN response to the agent whose request it answers, when it came from
   * where the request went, to the socket it left from (RFC 8445 §7.2.5.2.1: anything else
   * would be dropped by the agent; here it consumes nothing). The route is dropped with the
   * answer (a retransmitted request notes it again); unanswered ones expire.
   */
  private routeResponse(
    socket: MuxSocket,
    data: Buffer,
    from: SocketAddress,
    unknown: boolean,
  ): boolean {
    if (data.length < 20 || this.transactions.size === 0) return false;
    const key = data.toString('hex', 8, 20);
    const tx = this.transactions.get(key);
    if (
      tx === undefined ||
      tx.socket !== socket ||
      tx.port !== from.port ||
      tx.address !== from.address
    )
      return false;
    this.transactions.delete(key);
    tx.conn.transactions.delete(key);
    if (this.clock.now() - tx.at > TRANSACTION_TTL_MS) return false;
    if (!unknown && tx.conn === socket.routes.get(from.address)?.get(from.port)?.conn) return false;
    this.stats.routedByTransaction++;
    tx.conn.client.receive(socket.index, data, from);
    return true;
  }

  private noteTransaction(
    key: string,
    conn: MuxConnection,
    socket: MuxSocket,
    address: string,
    port: number,
  ): void {
    const now = this.clock.now();
    const tx = this.transactions.get(key);
    if (tx !== undefined && tx.conn === conn) {
      tx.at = now; // a retransmission
      return;
    }
    this.transactions.set(key, { conn, socket, address, port, at: now });
    if (this.transactions.size > this.sweepAt) {
      for (const [k, t] of this.transactions) {
        if (now - t.at > TRANSACTION_TTL_MS) {
          this.transactions.delete(k);
          t.conn.transactions.delete(k);
        }
      }
      this.sweepAt = Math.max(1024, this.transactions.size * 2);
    }
  }
}

/**
 * The addresses to bind, with the interface and local preference each gets (also the
 * listening addresses of a `TcpMux`).
 */
export function muxAddresses(
  net: Net,
  options: Pick<UdpMuxOptions, 'address' | 'ipv6' | 'includeLoopback'>,
): { address: string; interfaceName: string; localPreference: number }[] {
  const all = hostAddresses(net, { includeLoopback: true, ipv4: true, ipv6: true });
  if (options.address === undefined) {
    const found = hostAddresses(net, {
      includeLoopback: options.includeLoopback ?? false,
      ipv4: true,
      ipv6: options.ipv6 ?? true,
    });
    if (found.length === 0)
      throw new IceConfigError('address', 'the host has no usable address; give one');
    return found;
  }
  const given = typeof options.address === 'string' ? [options.address] : options.address;
  if (given.length === 0) throw new IceConfigError('address', 'give at least one address');
  return given.map((address, i) => {
    const v = isIP(address);
    if (v === 0)
      throw new IceConfigError('address', `${JSON.stringify(address)} is not an IP address`);
    if (address === '0.0.0.0' || address === '::')
      throw new IceConfigError(
        'address',
        'a wildcard cannot be a candidate address: give the addresses to bind (or none for all)',
      );
    const known = all.find((a) => a.address === address);
    return known ?? { address, interfaceName: '', localPreference: localPreference(0, v === 6, i) };
  });
}
