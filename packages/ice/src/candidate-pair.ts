/**
 * Candidate pairs and their states, RFC 8445 §6.1.2.6.
 */
import type { SocketAddress, UdpSocket } from '@x/transport';
import { type Candidate, describeCandidate } from './candidate.js';

/** Pair states, RFC 8445 §6.1.2.6. */
export enum PairState {
  Frozen = 1,
  Waiting,
  InProgress,
  Succeeded,
  Failed,
}

/**
 * A local transport address the agent sends from: a bound socket and the host candidate it
 * yields. Server-reflexive and peer-reflexive candidates share their base's socket; a relay
 * candidate (TURN, issue 5) will bring a base whose `send` goes through the allocation.
 */
export interface LocalBase {
  /** Index among the agent's bases (stable for the agent's life). */
  readonly id: number;
  readonly socket: UdpSocket;
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
  /** Name of the interface it is bound on. */
  readonly interfaceName: string;
  /** The host candidate of this base. */
  readonly host: Candidate;
  /** Relay bases: the URL of the TURN server that allocated it (webrtc-stats `url`). */
  readonly url?: string;
  /** Relay bases: the transport to that server (W3C `relayProtocol`; `turns:` is `tls`). */
  readonly relayProtocol?: 'udp' | 'tcp' | 'tls';
  /**
   * Bases on a shared UDP mux: an authenticated response to our check came from `from`
   * (RFC 8445 §7.2.5.2), so what comes from there is ours from now on.
   */
  readonly onAuthenticated?: (from: SocketAddress) => void;
  /**
   * ICE-TCP (RFC 6544 §7.1): this base is one accepted TCP connection of a `TcpMux`, the
   * only path of its single pair; the connection closes when that pair fails.
   */
  readonly tcpConnection?: boolean;
}

/** A local candidate with the base it sends from, RFC 8445 §5.1.1. */
export interface LocalCandidate {
  readonly candidate: Candidate;
  readonly base: LocalBase;
  /** The STUN server a server-reflexive candidate came from (a relay base has its own `url`). */
  readonly url?: string;
}

/**
 * The STUN Binding traffic of a pair (for webrtc-stats `RTCIceCandidatePairStats`): RFC 8445
 * connectivity checks and RFC 7675 consent requests.
 */
export interface PairStunCounters {
  /** Connectivity checks sent (first transmissions, consent requests not included). */
  requestsSent: number;
  /** Consent freshness requests sent (RFC 7675 §5.1). */
  consentRequestsSent: number;
  /** Requests received on the pair and answered with a success response. */
  requestsReceived: number;
  responsesSent: number;
  /** Success responses to our checks and consent requests. */
  responsesReceived: number;
  /** The sum of their round-trip times, in ms. */
  totalRoundTripTimeMs: number;
}

/** A candidate pair (read-only view for users: `agent.selectedPair`, `agent.getPairs()`). */
export interface CandidatePairInfo {
  /** Local candidate (its address is what the peer sees for host pairs). */
  readonly local: Candidate;
  /** Remote candidate (with the resolved IP when the peer gave an mDNS name). */
  readonly remote: Candidate;
  /** Pair priority, RFC 8445 §6.1.2.3 (computed for the current roles). */
  readonly priority: bigint;
  readonly state: PairState;
  /** True once nominated (RFC 8445 §8.1.1). */
  readonly nominated: boolean;
  /** Clock time of the last packet received on the pair (any kind), or -Infinity. */
  readonly lastReceivedAt: number;
  /** Round-trip time of the last successful check, in ms. */
  readonly rttMs: number | undefined;
  /** STUN requests and responses on the pair (a copy in snapshots). */
  readonly stun: Readonly<PairStunCounters>;
  /** The TURN server's URL when the local candidate is a relay candidate. */
  readonly localUrl?: string;
  /** The transport to that TURN server. */
  readonly localRelayProtocol?: 'udp' | 'tcp' | 'tls';
}

/**
 * The agent's mutable pair (not exported from the package; users get {@link CandidatePairInfo}
 * snapshots). Not marked internal: the declarations of the agent's modules refer to it.
 */
export class CandidatePair implements CandidatePairInfo {
  state = PairState.Frozen;
  nominated = false;
  /** Controlled side: USE-CANDIDATE arrived before the pair succeeded (RFC 8445 §7.3.1.5). */
  nominateOnSuccess = false;
  /** A transaction of a check on this pair is outstanding. */
  transactionKey: string | undefined;
  lastReceivedAt = Number.NEGATIVE_INFINITY;
  /** Last authenticated response to our request (RFC 7675 consent). */
  lastConsentAt = Number.NEGATIVE_INFINITY;
  /** When the pair became valid. */
  validAt = Number.NEGATIVE_INFINITY;
  rttMs: number | undefined;
  priority = 0n;
  /** The pair was taken off the ordinary schedule after nomination (RFC 8445 §8.1.2). */
  retired = false;
  readonly stun: PairStunCounters = {
    requestsSent: 0,
    consentRequestsSent: 0,
    requestsReceived: 0,
    responsesSent: 0,
    responsesReceived: 0,
    totalRoundTripTimeMs: 0,
  };

  constructor(
    readonly local: Candidate,
    readonly base: LocalBase,
    public remote: Candidate,
    /** Resolved remote IP (differs from `remote.address` for mDNS candidates). */
    readonly remoteIp: string,
  ) {}

  /** RFC 8445 §6.1.2.3, recomputed when roles change. */
  updatePriority(controlling: boolean): void {
    const l = this.local.priority;
    const r = this.remote.priority;
    const g = BigInt(controlling ? l : r);
    const d = BigInt(controlling ? r : l);
    const min = g < d ? g : d;
    const max = g < d ? d : g;
    this.priority = (min << 32n) + 2n * max + (g > d ? 1n : 0n);
  }

  /** The pair's foundation, RFC 8445 §6.1.2.6: local and remote foundations joined. */
  get foundation(): string {
    return `${this.local.foundation}:${this.remote.foundation}`;
  }

  /** Key of the (base, remote address) tuple that identifies the path. */
  get key(): string {
    return pathKey(this.base.id, this.remoteIp, this.remote.port);
  }

  /** A snapshot for users. */
  info(): CandidatePairInfo {
    return {
      local: this.local,
      remote: this.remote,
      priority: this.priority,
      state: this.state,
      nominated: this.nominated,
      lastReceivedAt: this.lastReceivedAt,
      rttMs: this.rttMs,
      stun: { ...this.stun },
      ...(this.base.url !== undefined ? { localUrl: this.base.url } : {}),
      ...(this.base.relayProtocol !== undefined
        ? { localRelayProtocol: this.base.relayProtocol }
        : {}),
    };
  }

  toString(): string {
    return `${describeCandidate(this.local)} <-> ${describeCandidate(this.remote)}`;
  }
}

/** Key of a path: the base it leaves from and the remote transport address. */
export function pathKey(baseId: number, address: string, port: number): string {
  return `${baseId}|${address}|${port}`;
}
