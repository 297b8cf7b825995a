/**
 * One agent's share of a {@link UdpMux} (pion's `udpMuxedConn`): the routes that lead to it
 * (its ufrags, the remote transport addresses it has authenticated, the transactions of the
 * requests it sent to addresses not yet known) and, per mux socket, a `UdpSocket` view that
 * the agent sends through. Closing it releases those routes, never the shared socket.
 */
import {
  type SocketAddress,
  SocketClosedError,
  type UdpSocket,
  type UdpSocketStats,
} from '@x/transport';
import type { AnnouncedAddress } from '../announced.js';
import type { IceCredentials } from '../credentials.js';
import { IceConfigError, IceError } from '../errors.js';
import { MAGIC_COOKIE } from '../stun/constants.js';

/** What the mux calls on the agent's side. */
export interface MuxClient {
  /** A datagram for this agent arrived on the mux socket of `index`. */
  receive(index: number, data: Buffer, from: SocketAddress): void;
}

/** @internal One bound socket of a mux (shared by every agent). */
export interface MuxSocket {
  readonly index: number;
  readonly socket: UdpSocket;
  readonly interfaceName: string;
  readonly localPreference: number;
  /** Remote address → remote port → the route of the 5-tuple. */
  readonly routes: Map<string, Map<number, MuxRoute>>;
}

/** @internal A 5-tuple routed to an agent. */
export interface MuxRoute {
  readonly conn: MuxConnection;
  readonly socket: MuxSocket;
  readonly address: string;
  readonly port: number;
  /** Clock time of the last datagram from it. */
  lastSeen: number;
}

/** @internal What the connection needs of its mux. */
/** The ufrag routing of a mux (UDP or TCP): which connection of it owns each ufrag. */
export interface UfragTable<C> {
  ufragTaken(ufrag: string, conn: C): boolean;
  claimUfrag(ufrag: string, pwd: string, conn: C): void;
  releaseUfrag(ufrag: string, conn: C): void;
}

/**
 * Moves a connection's ufrag routes to `list` (undefined entries ignored): every new ufrag
 * checked first (`IceConfigError` for one another connection of the mux owns, nothing
 * changed), then claimed, and the ones no longer listed released. Returns the ufrags now held.
 */
export function replaceUfrags<C>(
  table: UfragTable<C>,
  conn: C,
  held: readonly string[],
  list: readonly (IceCredentials | undefined)[],
  muxName: string,
): string[] {
  const next = list.filter((c): c is IceCredentials => c !== undefined);
  for (const c of next) checkUfragFree(table, conn, c.ufrag, muxName);
  for (const c of next) table.claimUfrag(c.ufrag, c.pwd, conn);
  for (const u of held) if (!next.some((c) => c.ufrag === u)) table.releaseUfrag(u, conn);
  return next.map((c) => c.ufrag);
}

/** Throws `IceConfigError` when another connection of the mux routes by `ufrag`. */
export function checkUfragFree<C>(
  table: UfragTable<C>,
  conn: C,
  ufrag: string,
  muxName: string,
): void {
  if (table.ufragTaken(ufrag, conn))
    throw new IceConfigError('ufrag', `${ufrag} is used by another agent of this ${muxName}`);
}

export interface MuxTables {
  readonly maxRoutesPerAgent: number;
  /** Silence after which a route may be reclaimed for a new one (at `maxRoutesPerAgent`). */
  readonly routeIdleMs: number;
  now(): number;
  readonly announcedAddresses: readonly AnnouncedAddress[] | undefined;
  /** True when another agent of the mux routes Binding requests by `ufrag`. */
  ufragTaken(ufrag: string, conn: MuxConnection): boolean;
  claimUfrag(ufrag: string, pwd: string, conn: MuxConnection): void;
  releaseUfrag(ufrag: string, conn: MuxConnection): void;
  noteTransaction(
    key: string,
    conn: MuxConnection,
    socket: MuxSocket,
    address: string,
    port: number,
  ): void;
  releaseTransaction(key: string, conn: MuxConnection): void;
  connectionClosed(conn: MuxConnection): void;
}

/** @internal A local transport address of the mux, as one agent sees it. */
export interface MuxEndpoint {
  readonly index: number;
  /** Sends from the shared socket; `close()` releases the agent's routes. */
  readonly socket: UdpSocket;
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
  readonly interfaceName: string;
  readonly localPreference: number;
}

/** @internal See the file comment. */
export class MuxConnection {
  closed = false;
  readonly endpoints: readonly MuxEndpoint[];
  /** The transactions this agent has outstanding to unknown addresses (hex ids). */
  readonly transactions = new Set<string>();
  private readonly routes: MuxRoute[] = [];
  private ufrags: string[] = [];

  constructor(
    private readonly tables: MuxTables,
    readonly sockets: readonly MuxSocket[],
    readonly client: MuxClient,
  ) {
    this.endpoints = sockets.map((s) => {
      const a = s.socket.localAddress;
      return {
        index: s.index,
        socket: new MuxedSocket(this, s),
        address: a.address,
        port: a.port,
        family: a.family,
        interfaceName: s.interfaceName,
        localPreference: s.localPreference,
      };
    });
  }

  /** The 5-tuples routed to this agent. */
  get routeCount(): number {
    return this.routes.length;
  }

  /** The announced addresses of the mux (an agent's own setting takes precedence). */
  get announcedAddresses(): readonly AnnouncedAddress[] | undefined {
    return this.tables.announcedAddresses;
  }

  /**
   * The credentials that Binding requests may be addressed to (the current ones and, during
   * an ICE restart, the previous generation's). Throws `IceConfigError` for a ufrag another
   * agent of the mux uses (the routing key must be unique).
   */
  setCredentials(list: readonly (IceCredentials | undefined)[]): void {
    if (this.closed) return;
    this.ufrags = replaceUfrags(this.tables, this, this.ufrags, list, 'UdpMux');
  }

  /** Throws `IceConfigError` when another agent of the mux routes requests by `ufrag`. */
  checkUfrag(ufrag: string): void {
    checkUfragFree(this.tables, this, ufrag, 'UdpMux');
  }

  /**
   * Routes the 5-tuple (mux socket, `from`) to this agent. At `maxRoutesPerAgent`, the route
   * silent the longest is given up for it if it has been silent for `routeIdleMs` (an old NAT
   * binding, a path of an earlier ICE generation); a route in use never is. False when another
   * agent owns the 5-tuple (a route is never taken over) or no route could be reclaimed.
   */
  learn(socket: MuxSocket, address: string, port: number): boolean {
    if (this.closed) return false;
    let byPort = socket.routes.get(address);
    const owner = byPort?.get(port);
    if (owner !== undefined) return owner.conn === this;
    const now = this.tables.now();
    if (this.routes.length >= this.tables.maxRoutesPerAgent && !this.reclaim(now)) return false;
    if (byPort === undefined) {
      byPort = new Map();
      socket.routes.set(address, byPort);
    }
    const route: MuxRoute = { conn: this, socket, address, port, lastSeen: now };
    byPort.set(port, route);
    this.routes.push(route);
    return true;
  }

  /** Gives up the route silent the longest, if it has been silent for `routeIdleMs`. */
  private reclaim(now: number): boolean {
    let oldest = -1;
    for (let i = 0; i < this.routes.length; i++)
      if (oldest < 0 || this.routes[i]!.lastSeen < this.routes[oldest]!.lastSeen) oldest = i;
    const r = this.routes[oldest];
    if (r === undefined || now - r.lastSeen < this.tables.routeIdleMs) return false;
    this.routes.splice(oldest, 1);
    unlink(r);
    return true;
  }

  /** @see MuxedSocket.send: notes the transaction of a Binding request to an unknown address. */
  send(socket: MuxSocket, data: Uint8Array, port: number, address: string): void {
    if (this.closed) throw new SocketClosedError('this agent has left the UDP mux');
    // A Binding request (type 0x0001) whose answer cannot be routed by its 5-tuple.
    if (
      data.length >= 20 &&
      data[0] === 0 &&
      data[1] === 1 &&
      Buffer.from(data.buffer, data.byteOffset, data.length).readUInt32BE(4) === MAGIC_COOKIE &&
      socket.routes.get(address)?.get(port)?.conn !== this
    ) {
      const key = Buffer.from(data.buffer, data.byteOffset, data.length).toString('hex', 8, 20);
      this.transactions.add(key);
      this.tables.noteTransaction(key, this, socket, address, port);
    }
    socket.socket.send(data, port, address);
  }

  /** Releases every route of this agent; the shared sockets stay. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.routes) unlink(r);
    this.routes.length = 0;
    for (const u of this.ufrags) this.tables.releaseUfrag(u, this);
    this.ufrags = [];
    for (const key of this.transactions) this.tables.releaseTransaction(key, this);
    this.transactions.clear();
    this.tables.connectionClosed(this);
  }
}

/** Takes a route out of its socket's table. */
function unlink(r: MuxRoute): void {
  const byPort = r.socket.routes.get(r.address);
  if (byPort?.get(r.port) !== r) return;
  byPort.delete(r.port);
  if (byPort.size === 0) r.socket.routes.delete(r.address);
}

/** The `UdpSocket` an agent sees for one mux socket. */
class MuxedSocket implements UdpSocket {
  constructor(
    private readonly conn: MuxConnection,
    private readonly shared: MuxSocket,
  ) {}

  get localAddress(): SocketAddress {
    return this.shared.socket.localAddress;
  }

  get closed(): boolean {
    return this.conn.closed || this.shared.socket.closed;
  }

  /** The shared socket's counters (every agent of the mux together). */
  get stats(): UdpSocketStats {
    return this.shared.socket.stats;
  }

  send(data: Uint8Array, port: number, address: string): void {
    this.conn.send(this.shared, data, port, address);
  }

  addMembership(): void {
    throw new IceError('a UDP mux socket is shared: it joins no multicast group');
  }

  dropMembership(): void {
    throw new IceError('a UDP mux socket is shared: it joins no multicast group');
  }

  /** Releases the agent's routes (every socket of its share); the shared socket stays open. */
  close(): Promise<void> {
    this.conn.close();
    return Promise.resolve();
  }
}
