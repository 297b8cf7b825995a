/**
 * Candidate gathering, RFC 8445 §5.1.1: host candidates (one socket per usable address, see
 * gather.ts), server-reflexive ones through STUN servers (§5.1.1.2, see reflexive.ts) and
 * relayed ones through TURN allocations (RFC 8656), announced as they come (trickle, RFC 8838)
 * and then end-of-candidates. Owns the sockets, TURN clients and mDNS service it opens.
 */
import { debuglog } from 'node:util';
import type { SocketAddress, UdpSocket } from '@x/transport';
import type { Candidate } from './candidate.js';
import type { LocalBase } from './candidate-pair.js';
import { isLoopback } from './checklist.js';
import { announcedFor } from './announced.js';
import { bindHostBases, excludedLoopback, hostAddresses, hostCandidate } from './gather.js';
import type { IceServerUrl } from './ice-server.js';
import { MdnsService } from './mdns.js';
import type { MuxConnection } from './mux/mux-connection.js';
import type { UdpMux } from './mux/udp-mux.js';
import { candidateSource, type Pairing } from './pairing.js';
import { candidatePriority } from './priority.js';
import { ReflexiveQueries, type ReflexiveResponse, srflxCandidate } from './reflexive.js';
import { resolveHost } from './resolve.js';
import { TcpBases } from './tcp/tcp-bases.js';
import type { AgentSession } from './session.js';
import type { StunMessage } from './stun/message.js';
import { TurnClient } from './turn/client.js';
import { turnTransportOf } from './turn/url.js';
import type { TurnCandidateError } from './turn/errors.js';

const log = debuglog('x:ice');

/** A TURN allocation offered to the agent as a relay candidate (see {@link Agent.addRelayCandidate}). */
export interface RelayEndpoint {
  /** Sends through the allocation; `localAddress` is the relayed address. */
  readonly socket: UdpSocket;
  /** The server-reflexive address the server saw (the candidate's `raddr`/`rport`). */
  readonly mappedAddress?: SocketAddress;
  /** The TURN server (`host:port`), part of the foundation (RFC 8445 §5.1.1.3). */
  readonly server?: string;
  /** Local preference (RFC 8445 §5.1.2.1) among relay candidates. Default 65535. */
  readonly localPreference?: number;
  /** The TURN server's URL, reported as the pairs' `localUrl` (webrtc-stats `url`). */
  readonly url?: string;
}

/** Receives every datagram that arrives on one of the agent's bases. */
export type DatagramHandler = (base: LocalBase, data: Buffer, from: SocketAddress) => void;

/** The local side of one agent: its bases and how they were found. */
export class Gathering {
  private state_: 'new' | 'gathering' | 'complete' = 'new';
  private loopbackExcluded_ = 0;
  private readonly bases: LocalBase[] = [];
  private nextBaseId = 0;
  private readonly reflexive: ReflexiveQueries;
  /** TURN clients of the relay candidates (closed, and so deallocated, with the agent). */
  private readonly turnClients: TurnClient[] = [];
  /** Each TURN client's server key and, once allocated, its relayed socket. */
  private readonly turnInfo = new Map<TurnClient, { key: string; socket?: UdpSocket }>();
  /** A restart gathered from new servers: the next selected pair releases the old ones. */
  private releaseOnSelect = false;
  private mdns: MdnsService | undefined;
  /** Services replaced by a hiding one at gather(), closed on close(). */
  private readonly retiredMdns: MdnsService[] = [];
  /** The servers (with their credentials) a gathering has used, by {@link serverKey}. */
  private readonly gatheredServers = new Set<string>();
  /** Our share of the UDP mux (`AgentConfig.udpMux`), once gathering joined it. */
  private muxConn: MuxConnection | undefined;
  /** Our base for each mux socket, by the socket's index. */
  private readonly muxBases: (LocalBase | undefined)[] = [];
  /** Passive ICE-TCP on `AgentConfig.tcpMux`: its candidates and connections. */
  private readonly tcp: TcpBases;

  /**
   * @param onDatagram gets what arrives on every base.
   * @param onComplete called once gathering is complete and end-of-candidates announced.
   */
  constructor(
    private readonly session: AgentSession,
    private readonly pairing: Pairing,
    private readonly onDatagram: DatagramHandler,
    private readonly onComplete: () => void,
  ) {
    this.reflexive = new ReflexiveQueries(session.clock, (base, data, port, ip) => {
      session.send(base, data, port, ip);
    });
    this.tcp = new TcpBases(session, pairing, onDatagram, () => this.nextBaseId++, onComplete);
  }

  /** `'new'`, `'gathering'` or `'complete'`. */
  get state(): 'new' | 'gathering' | 'complete' {
    return this.state_;
  }

  /** Gathers every kind of candidate the configuration asks for; see {@link Agent.gather}. */
  async gather(signal: AbortSignal | undefined): Promise<void> {
    if (this.state_ !== 'new') return;
    const s = this.session;
    this.state_ = 'gathering';
    const hide = s.cfg.mdns === 'hide';
    if (s.cfg.mdns !== 'off' && (this.mdns === undefined || (hide && !this.mdns.hiding))) {
      // A resolver opened for a .local candidate that came first keeps its pending queries
      // and is closed with the rest; the announcing service resolves from now on.
      if (this.mdns !== undefined) this.retiredMdns.push(this.mdns);
      this.mdns = new MdnsService(s.net, s.clock, hide);
    }
    for (const server of s.cfg.servers) this.gatheredServers.add(serverKey(server));
    // Relay allocations run beside host gathering (they take a round trip or more).
    // RFC 8445 §2.5: a lite agent has host candidates only.
    const servers = s.cfg.lite ? [] : s.cfg.servers;
    const relays = this.gatherRelays(signal, servers);
    const relayOnly = s.cfg.transportPolicy === 'relay';
    const mux = s.config.udpMux;
    let tcpBases: LocalBase[] = [];
    if (s.config.tcpMux !== undefined && !relayOnly) {
      try {
        tcpBases = this.tcp.join(s.config.tcpMux);
      } catch (error) {
        await relays;
        this.state_ = 'new';
        throw error;
      }
    }
    let bases: LocalBase[];
    if (mux !== undefined && !relayOnly) {
      this.loopbackExcluded_ = 0;
      try {
        bases = this.joinMux(mux);
      } catch (error) {
        await this.tcp.close();
        await relays;
        this.state_ = 'new';
        throw error;
      }
    } else {
      const addresses = relayOnly ? [] : hostAddresses(s.net, s.cfg.gather);
      this.loopbackExcluded_ = relayOnly ? 0 : excludedLoopback(s.net, s.cfg.gather);
      const bound = await bindHostBases(
        s.net,
        addresses,
        this.pairing.foundations,
        this.onDatagram,
        () => this.nextBaseId++,
        { portRange: s.config.portRange, announced: s.config.announcedAddresses },
      );
      for (const e of bound.errors) log('bind failed: %o', e);
      bases = bound.bases;
    }
    if (s.closed || signal?.aborted) {
      await Promise.all(bases.map((b) => b.socket.close()));
      this.muxConn?.close();
      this.muxConn = undefined;
      await this.tcp.close();
      await relays;
      this.state_ = 'new';
      signal?.throwIfAborted();
      return;
    }
    const announced = s.config.announcedAddresses ?? this.muxConn?.announcedAddresses;
    // Resumed after an await: each step that changes the agent is an input of its own.
    s.run(() => {
      for (const base of bases) {
        this.bases.push(base);
        let host = base.host;
        if (this.mdns?.hiding) {
          host = { ...host, address: this.mdns.announce(base.address) };
        }
        this.pairing.addLocal({ candidate: host, base }, true);
      }
      // RFC 6544 §4.5: the passive TCP candidates, after the UDP ones.
      for (const base of tcpBases) {
        let host = base.host;
        if (this.mdns?.hiding) {
          host = { ...host, address: this.mdns.announce(base.address) };
          this.tcp.announced(base, host);
        }
        this.pairing.addLocal({ candidate: host, base }, true);
      }
      // 1:1 NAT announced as server-reflexive (pion's NAT1To1CandidateTypeSrflx).
      for (const base of bases) {
        const a = announcedFor(announced, base.address, base.family);
        if (a?.as !== 'srflx') continue;
        const mapped = { address: a.announced, port: base.port, family: base.family };
        const c = srflxCandidate(base, mapped, 'announced', this.pairing.foundations);
        if (c !== undefined) this.pairing.addLocal({ base, candidate: c }, true);
      }
    });
    if (this.mdns?.hiding) await this.mdns.start();
    if (!relayOnly) await this.gatherReflexive(servers);
    await relays;
    s.run(() => this.finish());
  }

  /**
   * Joins the shared UDP mux: one base per mux socket (of the families and addresses the
   * gather options allow), no socket of our own. Datagrams the mux routes to us arrive
   * through {@link Gathering.onDatagram} like those of our own sockets.
   */
  private joinMux(mux: UdpMux): LocalBase[] {
    const s = this.session;
    const conn = mux.connect({
      receive: (index, data, from) => {
        const base = this.muxBases[index];
        if (base !== undefined) this.onDatagram(base, data, from);
      },
    });
    try {
      conn.setCredentials(s.answeredCredentials());
    } catch (error) {
      conn.close();
      throw error;
    }
    this.muxConn = conn;
    const g = s.cfg.gather;
    const announced = s.config.announcedAddresses ?? conn.announcedAddresses;
    const bases: LocalBase[] = [];
    for (const ep of conn.endpoints) {
      if (ep.family === 'IPv4' ? !g.ipv4 : !g.ipv6) continue;
      if (g.addressFilter && !g.addressFilter(ep.address, ep.family)) continue;
      const base: LocalBase = {
        id: this.nextBaseId++,
        socket: ep.socket,
        address: ep.address,
        port: ep.port,
        family: ep.family,
        interfaceName: ep.interfaceName,
        host: hostCandidate(
          this.pairing.foundations,
          ep.address,
          ep.port,
          ep.localPreference,
          announcedFor(announced, ep.address, ep.family),
        ),
        onAuthenticated: (from) => {
          conn.learn(conn.sockets[ep.index]!, from.address, from.port);
        },
      };
      this.muxBases[ep.index] = base;
      bases.push(base);
    }
    return bases;
  }

  /**
   * Our credentials changed (ICE restart): Binding requests with the new ufrag, and with the
   * previous one, reach us through the mux from now on.
   */
  credentialsChanged(): void {
    const s = this.session;
    this.muxConn?.setCredentials(s.answeredCredentials());
    this.tcp.credentialsChanged();
  }

  /** Throws `IceConfigError` when `ufrag` is another agent's on our UDP or TCP mux. */
  checkUfrag(ufrag: string): void {
    this.muxConn?.checkUfrag(ufrag);
    this.tcp.checkUfrag(ufrag);
  }

  /** The peer announced an active TCP candidate (see `TcpBases.expectConnection`). */
  expectTcpConnection(): void {
    this.tcp.expectConnection();
  }

  /** True while a connection to our passive TCP candidates may still come. */
  get awaitingTcpConnection(): boolean {
    return this.tcp.awaitingConnection;
  }

  /** Loopback addresses the last gathering left out (`gather.includeLoopback` false). */
  get loopbackExcluded(): number {
    return this.loopbackExcluded_;
  }

  /** Local candidates gathered so far (host, reflexive and relayed). */
  get localCount(): number {
    return this.pairing.locals.length;
  }

  /** Gathering is done: end-of-candidates (RFC 8838). */
  private finish(): void {
    if (this.session.closed) return;
    this.state_ = 'complete';
    this.session.announce(null);
    this.onComplete();
  }

  /**
   * One TURN allocation per `turn:`/`turns:` URL (RFC 8656), each becoming a relay candidate;
   * a server that fails is reported through `onCandidateError` and gathering goes on.
   */
  private async gatherRelays(
    signal: AbortSignal | undefined,
    from: readonly IceServerUrl[],
  ): Promise<void> {
    const s = this.session;
    const servers = from.filter((x) => x.scheme === 'turn' || x.scheme === 'turns');
    await Promise.all(
      servers.map(async (server) => {
        const host = server.host.includes(':') ? `[${server.host}]` : server.host;
        const url = `${server.scheme}:${host}:${server.port}?transport=${server.transport}`;
        let deliver: ((data: Buffer, from: SocketAddress) => void) | undefined;
        const client = new TurnClient({
          url,
          username: server.username ?? '',
          credential: server.credential ?? '',
          net: s.net,
          clock: s.clock,
          ...(s.config.turnTls ? { tls: s.config.turnTls } : {}),
          onMessage: (data, from) => deliver?.(data, from),
          onError: (error) => this.reportCandidateError(error),
        });
        this.turnClients.push(client);
        const info: { key: string; socket?: UdpSocket } = { key: serverKey(server) };
        this.turnInfo.set(client, info);
        const result = await client.allocate(signal ? { signal } : {});
        if (s.closed) return;
        if (!result.ok) {
          s.run(() => this.reportCandidateError(result.error));
          await client.close();
          return;
        }
        info.socket = result.socket;
        deliver = s.run(() =>
          this.addRelay({
            socket: result.socket,
            ...(result.mappedAddress ? { mappedAddress: result.mappedAddress } : {}),
            server: `${host}:${server.port}`,
            url,
          }),
        );
      }),
    );
  }

  private reportCandidateError(error: TurnCandidateError): void {
    log('candidate error %s: %d %s', error.url, error.errorCode, error.errorText);
    this.session.callUser('onCandidateError', this.session.config.onCandidateError, error);
  }

  /** RFC 8445 §5.1.1.2: a Binding request from every host base to every STUN server. */
  private async gatherReflexive(from: readonly IceServerUrl[]): Promise<void> {
    const s = this.session;
    const servers = from.filter((x) => x.scheme === 'stun' && x.transport === 'udp');
    const jobs: Promise<void>[] = [];
    for (const server of servers) {
      jobs.push(
        resolveHost(server.host).then((ips) => {
          const work: Promise<void>[] = [];
          for (const base of this.bases) {
            if (base.host.type !== 'host' || isLoopback(base.address)) continue;
            const ip = ips.find((x) => (x.includes(':') ? 'IPv6' : 'IPv4') === base.family);
            if (ip !== undefined && !s.closed) {
              const host = server.host.includes(':') ? `[${server.host}]` : server.host;
              work.push(this.querySrflx(base, ip, server.port, `stun:${host}:${server.port}`));
            }
          }
          return Promise.all(work).then(() => undefined);
        }),
      );
    }
    await Promise.all(jobs);
  }

  private async querySrflx(base: LocalBase, ip: string, port: number, url: string): Promise<void> {
    const mapped = await this.reflexive.query(base, ip, port);
    if (mapped === undefined || this.session.closed) return;
    const candidate = srflxCandidate(base, mapped, `${ip}:${port}`, this.pairing.foundations);
    if (candidate !== undefined)
      this.session.run(() => this.pairing.addLocal({ base, candidate, url }, true));
  }

  /** Takes a response to one of our STUN-server queries (see {@link ReflexiveQueries.handle}). */
  handleResponse(base: LocalBase, msg: StunMessage, from: SocketAddress): ReflexiveResponse {
    return this.reflexive.handle(base, msg, from);
  }

  /** Adds a relayed candidate; see {@link Agent.addRelayCandidate}. */
  addRelay(relay: RelayEndpoint): (data: Buffer, from: SocketAddress) => void {
    const relayProtocol = relay.url !== undefined ? turnTransportOf(relay.url) : undefined;
    const relayed = relay.socket.localAddress;
    const server = relay.server ?? '';
    const lp = relay.localPreference ?? 0xffff;
    const candidate: Candidate = {
      foundation: this.pairing.foundations.get('relay', relayed.address, 'udp', server),
      component: 1,
      transport: 'udp',
      priority: candidatePriority('relay', lp),
      address: relayed.address,
      port: relayed.port,
      type: 'relay',
      ...(relay.mappedAddress !== undefined
        ? { relatedAddress: relay.mappedAddress.address, relatedPort: relay.mappedAddress.port }
        : {}),
    };
    const base: LocalBase = {
      id: this.nextBaseId++,
      socket: relay.socket,
      address: relayed.address,
      port: relayed.port,
      family: relayed.family,
      interfaceName: `relay:${server}`,
      host: candidate,
      ...(relay.url !== undefined ? { url: relay.url } : {}),
      ...(relayProtocol !== undefined ? { relayProtocol } : {}),
    };
    this.bases.push(base);
    this.pairing.addLocal({ candidate, base }, true);
    return (data, from) => this.onDatagram(base, data, from);
  }

  /** The mDNS service resolving the peer's `.local` names (opened on first use). */
  mdnsResolver(): MdnsService {
    const s = this.session;
    this.mdns ??= new MdnsService(s.net, s.clock, false);
    return this.mdns;
  }

  /**
   * ICE restart (RFC 8445 §9): announce our candidates again (with the new ufrag), then gather
   * from the servers configured since the last gathering (`Agent.setServers`: new STUN or TURN
   * servers, or new TURN credentials, JSEP §4.1.18), then end-of-candidates. Allocations of
   * earlier servers stay until the agent closes: the old pair may still carry data.
   */
  async restart(): Promise<void> {
    if (this.state_ !== 'complete') return;
    const s = this.session;
    const relayOnly = s.cfg.transportPolicy === 'relay';
    for (const l of this.pairing.locals) {
      if (l.candidate.type === 'prflx' || (relayOnly && l.candidate.type !== 'relay')) continue;
      if (l.base.socket.closed) continue; // a released allocation
      s.announce(l.candidate, candidateSource(l));
    }
    const fresh = s.cfg.lite
      ? []
      : s.cfg.servers.filter((x) => !this.gatheredServers.has(serverKey(x)));
    if (fresh.length === 0) {
      s.announce(null);
      return;
    }
    this.state_ = 'gathering';
    this.releaseOnSelect = true;
    for (const server of fresh) this.gatheredServers.add(serverKey(server));
    const relays = this.gatherRelays(undefined, fresh);
    if (!relayOnly) await this.gatherReflexive(fresh);
    await relays;
    s.run(() => this.finish());
  }

  /** Stops the STUN-server queries at once (their gathering steps end). */
  cancel(): void {
    this.reflexive.cancel();
  }

  /**
   * A pair was selected. After a restart that gathered from new servers, the allocations of
   * servers no longer configured (older TURN credentials included) are released, except the
   * one the selected pair uses (RFC 8656 §7: a Refresh with lifetime 0).
   */
  releaseSuperseded(inUse: LocalBase): void {
    this.tcp.prune(inUse);
    if (!this.releaseOnSelect) return;
    this.releaseOnSelect = false;
    const current = new Set(this.session.cfg.servers.map(serverKey));
    for (const client of this.turnClients) {
      const info = this.turnInfo.get(client);
      if (info === undefined || current.has(info.key)) continue;
      if (info.socket === undefined || info.socket === inUse.socket || info.socket.closed) continue;
      log('releasing the allocation of a server no longer configured: %s', info.key);
      client.close().catch((error: unknown) => log('releasing an allocation: %o', error));
    }
  }

  /** Closes every socket, TURN allocation and the mDNS service. */
  async close(): Promise<void> {
    await Promise.all([
      ...this.bases.map((b) => b.socket.close()),
      ...this.turnClients.map((c) => c.close()),
      this.mdns?.close(),
      ...this.retiredMdns.map((m) => m.close()),
      this.tcp.close(),
    ]);
    this.muxConn?.close();
  }
}

/** A server and the credentials a gathering used with it: new credentials make a new key. */
function serverKey(x: IceServerUrl): string {
  return JSON.stringify([x.scheme, x.host, x.port, x.transport, x.username, x.credential]);
}
