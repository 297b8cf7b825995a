/**
 * An agent's side of passive ICE-TCP (RFC 6544): the passive host candidates of its
 * {@link TcpMux} (one per listener), and a base per connection the mux routes to it. Each
 * connection is its own path and so its own candidate pair (RFC 6544 §7.1): the first check
 * on it makes a peer-reflexive `tcptype active` remote candidate (the active side announces
 * port 9, RFC 6544 §4.5, so its real port is learned from the connection), and the rest of
 * the agent (checks, nomination, consent, data) runs over it as over a UDP base. A
 * connection closes when its pair fails, when a selected pair makes it useless, or with the
 * agent; one the peer closes fails its pair.
 */
import { debuglog } from 'node:util';
import {
  type SocketAddress,
  SocketClosedError,
  type Timer,
  type UdpSocket,
  type UdpSocketStats,
} from '@x/transport';
import { announcedFor } from '../announced.js';
import type { Candidate } from '../candidate.js';
import { type LocalBase, PairState } from '../candidate-pair.js';
import type { DatagramHandler } from '../gathering.js';
import type { Pairing } from '../pairing.js';
import { tcpCandidatePriority } from '../priority.js';
import type { AgentSession } from '../session.js';
import type {
  RoutedTcpConnection,
  TcpFrameHandler,
  TcpListenEndpoint,
  TcpMuxConnection,
} from './tcp-mux-connection.js';
import type { TcpMux } from './tcp-mux.js';

const log = debuglog('x:ice');

const NO_STATS: UdpSocketStats = {
  datagramsSent: 0,
  bytesSent: 0,
  datagramsReceived: 0,
  bytesReceived: 0,
  sendErrors: 0,
};

/**
 * The socket of a passive candidate's base: it only listens (through the mux), so it sends
 * nothing; pairs are formed on the connections' bases instead.
 */
class ListeningSocket implements UdpSocket {
  readonly stats = NO_STATS;

  constructor(
    private readonly share: TcpMuxConnection,
    private readonly endpoint: TcpListenEndpoint,
  ) {}

  get localAddress(): SocketAddress {
    const e = this.endpoint;
    return { address: e.address, port: e.port, family: e.family };
  }

  get closed(): boolean {
    return this.share.closed;
  }

  send(): void {
    throw new SocketClosedError('a passive ICE-TCP candidate sends on its connections only');
  }

  addMembership(): void {}

  dropMembership(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** See the file comment. */
export class TcpBases {
  private share: TcpMuxConnection | undefined;
  private listening: LocalBase[] = [];
  /** The base of each routed connection. */
  private readonly connections = new Map<RoutedTcpConnection, LocalBase>();
  /** Until when a connection of the peer's active candidates is waited for. */
  private deadline: number | undefined;
  private timer: Timer | undefined;

  /**
   * @param onDatagram gets every frame of every connection (one input each).
   * @param nextId numbers the bases.
   * @param onChange called after a connection closed and failed its pairs.
   */
  constructor(
    private readonly session: AgentSession,
    private readonly pairing: Pairing,
    private readonly onDatagram: DatagramHandler,
    private readonly nextId: () => number,
    private readonly onChange: () => void,
  ) {}

  /** Open connections of this agent. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Joins `mux`: the bases of the passive candidates (one per listener of the families and
   * addresses the gather options allow). Throws `IceConfigError` when our ufrag is another
   * agent's on the mux.
   */
  join(mux: TcpMux): LocalBase[] {
    const s = this.session;
    const share = mux.connect({ accept: (routed) => this.accept(routed) });
    try {
      share.setCredentials(s.answeredCredentials());
    } catch (error) {
      void share.close();
      throw error;
    }
    this.share = share;
    const g = s.cfg.gather;
    const announced = s.config.announcedAddresses ?? mux.announcedAddresses;
    const bases: LocalBase[] = [];
    for (const ep of share.endpoints) {
      if (ep.family === 'IPv4' ? !g.ipv4 : !g.ipv6) continue;
      if (g.addressFilter && !g.addressFilter(ep.address, ep.family)) continue;
      const a = announcedFor(announced, ep.address, ep.family);
      bases.push({
        id: this.nextId(),
        socket: new ListeningSocket(share, ep),
        address: ep.address,
        port: ep.port,
        family: ep.family,
        interfaceName: ep.interfaceName,
        host: passiveCandidate(
          this.pairing.foundations.get('host', ep.address, 'tcp'),
          a !== undefined && a.as !== 'srflx' ? a.announced : ep.address,
          ep.port,
          ep.localPreference,
        ),
      });
    }
    this.listening = bases;
    return bases;
  }

  /** Our credentials changed (ICE restart): new connections may use the new ufrag too. */
  credentialsChanged(): void {
    const s = this.session;
    this.share?.setCredentials(s.answeredCredentials());
    // The peer's active candidates of the new generation start a new wait.
    this.timer?.cancel();
    this.timer = undefined;
    this.deadline = undefined;
  }

  /**
   * The peer announced an active TCP candidate, or its end-of-candidates (a browser that
   * avoids UDP may announce no candidate at all): it may connect to our passive ones, and
   * until it has had the time a check takes to fail (RFC 8489 §6.2.1: Rc transmissions, the
   * last one waited for 16 RTOs; 39.5 s with the defaults) the agent does not fail for want
   * of pairs. The passive side has nothing to check before the connection comes (RFC 6544
   * §7.1), so without this a peer that can only reach us over TCP (UDP blocked) would find
   * the agent failed at its end-of-candidates.
   */
  expectConnection(): void {
    if (this.deadline !== undefined || this.share === undefined || this.listening.length === 0)
      return;
    const { checkRto, checkTransmissions } = this.session.cfg;
    const wait = checkRto * (2 ** (checkTransmissions - 1) + 15);
    this.deadline = this.session.clock.now() + wait;
    this.timer = this.session.clock.setTimeout(() => {
      this.timer = undefined;
      this.onChange();
    }, wait);
  }

  /** True while a connection to our passive candidates is expected (see {@link expectConnection}). */
  get awaitingConnection(): boolean {
    return (
      this.deadline !== undefined &&
      this.share !== undefined &&
      this.session.clock.now() < this.deadline
    );
  }

  /** Throws `IceConfigError` when `ufrag` is another agent's on our TCP mux. */
  checkUfrag(ufrag: string): void {
    this.share?.checkUfrag(ufrag);
  }

  /** Takes the candidate a base announces (mDNS may hide its address). */
  announced(base: LocalBase, candidate: Candidate): void {
    const i = this.listening.indexOf(base);
    if (i >= 0 && candidate !== base.host) this.listening[i] = { ...base, host: candidate };
  }

  /** The mux routed an authenticated connection to us: its base, and where its frames go. */
  private accept(routed: RoutedTcpConnection): TcpFrameHandler | undefined {
    const s = this.session;
    if (s.closed || s.cfg.transportPolicy === 'relay') return undefined;
    const listening = this.listening.find(
      (b) => b.address === routed.endpoint.address && b.port === routed.endpoint.port,
    );
    if (listening === undefined) return undefined; // an address the gather options left out
    const base: LocalBase = {
      id: this.nextId(),
      socket: routed,
      address: listening.address,
      port: listening.port,
      family: listening.family,
      interfaceName: listening.interfaceName,
      host: listening.host,
      tcpConnection: true,
    };
    this.connections.set(routed, base);
    const from = routed.remoteAddress;
    log('ice-tcp connection from %s:%d', from.address, from.port);
    return {
      frame: (data) => {
        routed.stats.datagramsReceived++;
        routed.stats.bytesReceived += data.length;
        this.onDatagram(base, data, from);
      },
      closed: () => this.session.run(() => this.closed(routed, base)),
    };
  }

  /** A connection ended: its pairs fail (RFC 6544 §7.1: the pair is the connection). */
  private closed(routed: RoutedTcpConnection, base: LocalBase): void {
    this.connections.delete(routed);
    if (this.session.closed) return;
    log(
      'ice-tcp connection from %s:%d closed',
      routed.remoteAddress.address,
      routed.remoteAddress.port,
    );
    for (const p of this.session.list.pairs)
      if (p.base === base) this.session.list.setPairState(p, PairState.Failed);
    this.onChange();
  }

  /**
   * A pair was selected: connections on which no pair is left (those of an earlier ICE
   * generation, or whose check was never answered) are closed.
   */
  prune(selected: LocalBase): void {
    const inList = new Set<LocalBase>();
    for (const p of this.session.list.pairs) if (p.state !== PairState.Failed) inList.add(p.base);
    for (const [routed, base] of this.connections) {
      if (base === selected || inList.has(base)) continue;
      log(
        'closing ice-tcp connection from %s:%d: no pair left on it',
        routed.remoteAddress.address,
        routed.remoteAddress.port,
      );
      void routed.close();
    }
  }

  /** Leaves the mux: every connection of this agent closes, the listeners stay. */
  async close(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    const share = this.share;
    this.share = undefined;
    await share?.close();
  }
}

/** A passive TCP host candidate, RFC 6544 §4.5 (priority after §4.2). */
function passiveCandidate(
  foundation: string,
  address: string,
  port: number,
  addressPreference: number,
): Candidate {
  return {
    foundation,
    component: 1,
    transport: 'tcp',
    priority: tcpCandidatePriority('host', 'passive', addressPreference),
    address,
    port,
    type: 'host',
    tcpType: 'passive',
  };
}
