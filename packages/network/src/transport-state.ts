/**
 * The states of the transports the Manager owns, in this package's own enums (W3C order, as
 * `RTCIceTransportState` and `RTCDtlsTransportState` list them), and the causes of their
 * changes. They are mapped from `@x/ice` and `@x/dtls` in exactly one place each
 * (`map-ice.ts`, `map-dtls.ts`); nothing of those packages' enums crosses this boundary.
 */

/** State of the ICE transport (W3C `RTCIceTransportState` order). */
export enum IceTransportState {
  New = 1,
  Checking,
  Connected,
  Completed,
  Disconnected,
  Failed,
  Closed,
}

/** State of the DTLS transport (W3C `RTCDtlsTransportState` order). */
export enum DtlsTransportState {
  New = 1,
  Connecting,
  Connected,
  Closed,
  Failed,
}

/** State of the SCTP transport (W3C `RTCSctpTransportState`). */
export enum SctpTransportState {
  Connecting = 1,
  Connected,
  Closed,
}

/** Why the SCTP transport changed state. */
export type SctpTransportCause =
  | { readonly kind: 'connect-called' }
  | { readonly kind: 'established' }
  | { readonly kind: 'shutdown-called' }
  | { readonly kind: 'shutdown-received' }
  | { readonly kind: 'shutdown-complete' }
  /** RFC 9260 §3.3.10 cause codes the peer gave. */
  | { readonly kind: 'aborted-by-peer'; readonly causes: readonly number[] }
  | { readonly kind: 'aborted-locally'; readonly reason: string }
  | { readonly kind: 'too-many-retransmissions'; readonly timer: string; readonly attempts: number }
  | { readonly kind: 'closed-by-user' };

/** One side of a candidate pair, as the layers above see it. */
export interface CandidateDescription {
  /** The `candidate:` attribute (RFC 8839), as it would be signaled. */
  readonly candidate: string;
  /** The address of the transport address (RFC 8839 §5.1). */
  readonly address: string;
  /** The transport address's port. */
  readonly port: number;
  /** The transport protocol. */
  readonly protocol: 'udp' | 'tcp';
  /** The candidate type (RFC 8445 §5.1.1). */
  readonly type: 'host' | 'srflx' | 'prflx' | 'relay';
  /** Candidates of the same type, base and server share a foundation (RFC 8445 §5.1.1.3). */
  readonly foundation: string;
  /** The candidate's priority (RFC 8445 §5.1.2). */
  readonly priority: number;
  /** Component id (1: RTP, or everything with rtcp-mux). */
  readonly component: number;
  /** `raddr`/`rport` of reflexive and relayed candidates. */
  readonly relatedAddress?: string;
  /** The port of `relatedAddress`. */
  readonly relatedPort?: number;
  /** ICE-TCP candidates: who opens the connection (RFC 6544 §4.5). */
  readonly tcpType?: 'active' | 'passive' | 'so';
  /** The `ufrag` extension attribute. */
  readonly usernameFragment?: string;
  /** Local server-reflexive and relayed candidates: the STUN or TURN server's URL. */
  readonly url?: string;
  /** Local relayed candidates: the transport to the TURN server. */
  readonly relayProtocol?: 'udp' | 'tcp' | 'tls';
}

/** A candidate pair, as the layers above see it. */
export interface CandidatePairDescription {
  /** Our candidate. */
  readonly local: CandidateDescription;
  /** The peer's candidate. */
  readonly remote: CandidateDescription;
  /** Round-trip time of the last successful check, in ms. */
  readonly rttMs: number | undefined;
  /** `local.address:port <-> remote.address:port (type/type)`, for logs and timelines. */
  readonly label: string;
}

/** W3C `RTCStatsIceCandidatePairState`. */
export type CandidatePairState = 'frozen' | 'waiting' | 'in-progress' | 'succeeded' | 'failed';

/** A pair with its state and traffic, for webrtc-stats `RTCIceCandidatePairStats`. */
export interface CandidatePairStats extends CandidatePairDescription {
  readonly state: CandidatePairState;
  readonly nominated: boolean;
  /** The pair carries the data (the selected pair). */
  readonly selected: boolean;
  /** Application data (DTLS), not STUN. Times are clock times in ms, -Infinity when none. */
  readonly packetsSent: number;
  readonly bytesSent: number;
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  readonly lastPacketSentAt: number;
  readonly lastPacketReceivedAt: number;
  /** RFC 8445 checks sent (first transmissions) and RFC 7675 consent requests sent. */
  readonly requestsSent: number;
  readonly consentRequestsSent: number;
  /** Binding requests received, and the success responses we sent to them. */
  readonly requestsReceived: number;
  readonly responsesSent: number;
  /** Success responses to our requests, and the sum of their round-trip times in ms. */
  readonly responsesReceived: number;
  readonly totalRoundTripTimeMs: number;
  /** The TURN server's URL when the local candidate is relayed. */
  readonly localUrl?: string;
  /** The transport to that TURN server (W3C `relayProtocol`). */
  readonly localRelayProtocol?: 'udp' | 'tcp' | 'tls';
}

/**
 * The SCTP association's congestion figures (webrtc-stats `RTCSctpTransportStats`, after
 * RFC 6458 `sctp_status`), read now.
 */
export interface SctpTransportStats {
  /** Smoothed round-trip time in ms (`spinfo_srtt`); undefined before the first measurement. */
  readonly smoothedRoundTripTimeMs: number | undefined;
  /** Congestion window in bytes (`spinfo_cwnd`). */
  readonly congestionWindow: number;
  /** The peer's receiver window in bytes, as its last SACK gave it (`sstat_rwnd`). */
  readonly receiverWindow: number;
  /** The path MTU SCTP packets are built for (`spinfo_mtu`). */
  readonly mtu: number;
  /** DATA chunks sent and not yet acknowledged (`sstat_unackdata`). */
  readonly unackData: number;
}

/** Counters and candidates of the ICE transport, for `getStats()`. */
export interface IceTransportStats {
  /** Application datagrams (not STUN) over every pair since the start, and their bytes. */
  readonly packetsSent: number;
  readonly bytesSent: number;
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  /** The pairs of the current check list (the selected one included). */
  readonly pairs: readonly CandidatePairStats[];
  /** Our candidates gathered so far. */
  readonly localCandidates: readonly CandidateDescription[];
  /** The peer's candidates known so far. */
  readonly remoteCandidates: readonly CandidateDescription[];
}

/** Why the ICE transport changed state. */
export type IceTransportCause =
  | { readonly kind: 'checks-started' }
  /** A pair works and carries data before nomination (RFC 8445 §12.1). */
  | { readonly kind: 'pair-valid'; readonly pair: CandidatePairDescription }
  | { readonly kind: 'nominated'; readonly pair: CandidatePairDescription }
  | { readonly kind: 'checks-completed'; readonly pair: CandidatePairDescription }
  | {
      readonly kind: 'all-pairs-failed';
      readonly pairs: number;
      /** Local candidates gathered: 0 means none could be paired. */
      readonly localCandidates: number;
      /** Loopback addresses left out (`gather.includeLoopback` false) when that mattered. */
      readonly loopbackExcluded: number;
    }
  | {
      readonly kind: 'no-packets';
      readonly pair: CandidatePairDescription;
      readonly silentMs: number;
    }
  | { readonly kind: 'packets-resumed'; readonly pair: CandidatePairDescription }
  | {
      readonly kind: 'consent-expired';
      readonly pair: CandidatePairDescription;
      readonly silentMs: number;
    }
  | { readonly kind: 'restart' }
  | { readonly kind: 'closed-by-user' };

/** Why the selected candidate pair changed. */
export type SelectedPairCause =
  /** No pair is nominated yet; this valid one carries data meanwhile (RFC 8445 §12.1). */
  | { readonly kind: 'valid' }
  | { readonly kind: 'nominated' }
  | { readonly kind: 'previous-pair-silent'; readonly previous: CandidatePairDescription }
  | { readonly kind: 'higher-priority-nominated'; readonly previous: CandidatePairDescription }
  | { readonly kind: 'restart'; readonly previous: CandidatePairDescription };

/** Why the DTLS transport changed state. Alert names are those of RFC 5246 §7.2 in camel case. */
export type DtlsTransportCause =
  | { readonly kind: 'started' }
  | {
      readonly kind: 'handshake-complete';
      readonly cipherSuite: string;
      readonly srtpProfile: string | undefined;
    }
  | {
      readonly kind: 'handshake-timeout';
      readonly retransmissions: number;
      readonly elapsedMs: number;
    }
  | {
      readonly kind: 'fingerprint-mismatch';
      /** `sha-256 AB:CD:...` of each fingerprint signaled. */
      readonly expected: readonly string[];
      readonly actual: string;
    }
  | {
      readonly kind: 'alert-received';
      /** The alert's name (`handshakeFailure`, or `alert 123` when unknown). */
      readonly alert: string;
      /** Its number on the wire (RFC 5246 §7.2), e.g. for W3C `RTCError.receivedAlert`. */
      readonly alertCode: number;
      readonly fatal: boolean;
    }
  | {
      readonly kind: 'protocol-error';
      /** The name of the alert sent to the peer. */
      readonly alert: string;
      /** Its number on the wire, e.g. for W3C `RTCError.sentAlert`. */
      readonly alertCode: number;
      readonly reason: string;
    }
  | { readonly kind: 'close-notify-received' }
  | { readonly kind: 'closed-by-user' };

/** A human-readable sentence for a cause, e.g. for a timeline. */
export function describeCause(
  cause: IceTransportCause | DtlsTransportCause | SctpTransportCause | SelectedPairCause,
): string {
  switch (cause.kind) {
    case 'checks-started':
      return 'connectivity checks started';
    case 'pair-valid':
      return `${cause.pair.label} works (valid, not nominated yet)`;
    case 'valid':
      return 'first working pair, before nomination';
    case 'nominated':
      return 'pair' in cause ? `nominated ${cause.pair.label}` : 'first nomination';
    case 'checks-completed':
      return `checks done, end-of-candidates both ways, using ${cause.pair.label}`;
    case 'all-pairs-failed':
      if (cause.localCandidates === 0) {
        return cause.loopbackExcluded > 0
          ? `no local candidate was gathered: ${cause.loopbackExcluded} loopback address${cause.loopbackExcluded === 1 ? ' was' : 'es were'} excluded (set gather: { includeLoopback: true } on a loopback-only host)`
          : 'no local candidate was gathered (no usable interface address, or every one filtered out)';
      }
      return cause.pairs === 1
        ? 'the only candidate pair failed'
        : `all ${cause.pairs} candidate pairs failed`;
    case 'no-packets':
      return `nothing heard on ${cause.pair.label} for ${Math.round(cause.silentMs)} ms`;
    case 'packets-resumed':
      return `packets again on ${cause.pair.label}`;
    case 'consent-expired':
      return `consent expired on ${cause.pair.label} after ${Math.round(cause.silentMs)} ms without a response (RFC 7675)`;
    case 'restart':
      return 'previous' in cause ? `ICE restart replaced ${cause.previous.label}` : 'ICE restart';
    case 'closed-by-user':
      return 'closed by the user';
    case 'previous-pair-silent':
      return `${cause.previous.label} went silent, switched to another valid pair`;
    case 'higher-priority-nominated':
      return `the peer nominated a better pair than ${cause.previous.label}`;
    case 'started':
      return 'DTLS handshake started';
    case 'handshake-complete':
      return `DTLS handshake complete (${cause.cipherSuite}${cause.srtpProfile ? `, ${cause.srtpProfile}` : ''})`;
    case 'handshake-timeout':
      return `DTLS handshake timed out after ${cause.retransmissions} retransmissions (${Math.round(cause.elapsedMs)} ms)`;
    case 'fingerprint-mismatch':
      return `the peer's certificate (${cause.actual}) matches no signaled fingerprint`;
    case 'alert-received':
      return `the peer sent a ${cause.fatal ? 'fatal ' : ''}${cause.alert} alert`;
    case 'protocol-error':
      return `protocol error: ${cause.reason} (sent ${cause.alert})`;
    case 'close-notify-received':
      return 'the peer closed DTLS (close_notify)';
    case 'connect-called':
      return 'SCTP association started';
    case 'established':
      return 'SCTP association established';
    case 'shutdown-called':
      return 'SCTP shutdown started';
    case 'shutdown-received':
      return 'the peer shut SCTP down';
    case 'shutdown-complete':
      return 'SCTP shutdown complete';
    case 'aborted-by-peer':
      return `the peer aborted SCTP (causes ${cause.causes.join(', ') || 'none'})`;
    case 'aborted-locally':
      return `SCTP aborted: ${cause.reason}`;
    case 'too-many-retransmissions':
      return `SCTP gave up after ${cause.attempts} ${cause.timer} retransmissions`;
  }
}
