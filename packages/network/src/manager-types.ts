/**
 * The Manager's public types: its events, configuration, the peer's parameters and its
 * counters, and the certificate helpers it re-exports from `@x/dtls`.
 */
import { type DtlsCertificate, generateCertificate, generateRsaCertificate } from '@x/dtls';
import type { Agent, GatherOptions, IceServer, TcpMux, UdpMux } from '@x/ice';
import type { Clock, Net } from '@x/transport';
import type { MediaOptions } from './media/media-types.js';
import type { DataChannel } from './data-channel.js';
import type {
  CandidateDescription,
  CandidatePairDescription,
  DtlsTransportCause,
  DtlsTransportState,
  IceTransportCause,
  IceTransportState,
  SctpTransportCause,
  SctpTransportState,
  SelectedPairCause,
} from './transport-state.js';

/** A change the Manager reports to its owner, in order, after it is committed. */
export type ManagerEvent =
  | {
      readonly kind: 'ice-state';
      readonly state: IceTransportState;
      readonly cause: IceTransportCause;
    }
  | {
      readonly kind: 'dtls-state';
      readonly state: DtlsTransportState;
      readonly cause: DtlsTransportCause;
    }
  | {
      readonly kind: 'sctp-state';
      readonly state: SctpTransportState;
      readonly cause: SctpTransportCause;
    }
  | {
      readonly kind: 'selected-pair';
      readonly pair: CandidatePairDescription;
      readonly cause: SelectedPairCause;
    }
  /** A local candidate was gathered; `null` once gathering is complete (end-of-candidates). */
  | { readonly kind: 'local-candidate'; readonly candidate: CandidateDescription | null }
  | { readonly kind: 'gathering-state'; readonly state: 'new' | 'gathering' | 'complete' }
  /** A STUN/TURN server gave no candidate (the W3C `icecandidateerror` fields). */
  | {
      readonly kind: 'candidate-error';
      readonly url: string;
      readonly errorCode: number;
      readonly errorText: string;
      readonly address: string | null;
      readonly port: number | null;
    }
  /** The peer opened a data channel (it is already open). */
  | { readonly kind: 'data-channel'; readonly channel: DataChannel };

/** The callback handed to the Manager's constructor. */
export type ManagerHandler = (event: ManagerEvent) => void;

/** A certificate for DTLS, from `generateCertificate()` (ECDSA) or `generateRsaCertificate()`. */
export type Certificate = DtlsCertificate;
export { generateCertificate, generateRsaCertificate };

/** The fingerprints of a certificate (`a=fingerprint`, RFC 8122), SHA-256 first. */
export function certificateFingerprints(
  certificate: Certificate,
): { algorithm: string; value: string }[] {
  return (['sha-256', 'sha-384', 'sha-512'] as const).map((algorithm) => {
    const f = certificate.fingerprint(algorithm);
    return { algorithm: f.algorithm, value: f.value };
  });
}

/** Options of a {@link Manager}. */
export interface ManagerConfig {
  /** Sockets; defaults to the real network (`nodeNet`). */
  readonly net?: Net;
  /** Timers; defaults to the real clock. */
  readonly clock?: Clock;
  /** STUN and TURN servers. */
  readonly iceServers?: readonly IceServer[];
  /**
   * True on the side that starts as the controlling ICE agent (the offerer, RFC 8445 §6.1.1).
   * When the role is not known yet (an RTCPeerConnection before its first description), leave
   * it out and call {@link Manager.setRole} before `gather()` or `start()`.
   */
  readonly controlling?: boolean;
  /** Which host addresses to gather. */
  readonly gather?: GatherOptions;
  /** `'relay'`: gather and pair only relay candidates (W3C `iceTransportPolicy`). Default `'all'`. */
  readonly iceTransportPolicy?: 'all' | 'relay';
  /** TLS options for `turns:` servers (e.g. `ca` to trust a private certificate). */
  readonly turnTls?: import('node:tls').ConnectionOptions;
  /** mDNS: resolve remote `.local` candidates, hide our own host addresses, or neither. */
  readonly mdns?: 'off' | 'resolve' | 'hide';
  /** Our DTLS certificate; one is generated (ECDSA P-256) when absent. */
  readonly certificate?: Certificate;
  /** Largest message we accept (our `a=max-message-size`). Defaults to 262 144. */
  readonly maxMessageSize?: number;
  /** ICE consent timings (see `@x/ice` ConsentOptions). */
  readonly consent?: ConstructorParameters<typeof Agent>[0]['consent'];
  /** Called when a handler throws; the Manager carries on. Defaults to a debug log line. */
  readonly onHandlerError?: (error: unknown) => void;
  /** Bounds of the media path. */
  readonly media?: MediaOptions;
  /**
   * Run this Manager's ICE agent on a shared `UdpMux` (one UDP port for every
   * connection of the process): no socket of its own, host candidates on the mux's port, and
   * `close()` releases only this connection's routes. Create the mux once with
   * `UdpMux.bind()`, give it to every Manager, close it after them. Default: none.
   */
  readonly udpMux?: UdpMux;
  /**
   * Also accept ICE-TCP (RFC 6544) on a shared `TcpMux` (one listening port for every
   * connection of the process): the agent offers a passive TCP host candidate per listener,
   * for peers that cannot use UDP, and `close()` closes this connection's TCP connections
   * only. Create it once with `TcpMux.listen()`, give it to every Manager, close it after
   * them. Default: none (UDP only).
   */
  readonly tcpMux?: TcpMux;
  /**
   * Run the ICE agent as ICE-lite (RFC 8445 §2.5), for a server with a public address: host
   * candidates only, no checks or consent requests of its own, always controlled. Put
   * `a=ice-lite` in the descriptions you send. Default false.
   */
  readonly iceLite?: boolean;
}

/** What the remote description says, as the Manager needs it. */
export interface RemoteParameters {
  readonly ufrag: string;
  readonly pwd: string;
  /** The remote side is ICE-lite (RFC 8445 §2.5). */
  readonly iceLite?: boolean;
  /** `a=fingerprint` values of the remote description. */
  readonly fingerprints: readonly { readonly algorithm: string; readonly value: string }[];
  /** Our DTLS role, from `a=setup` (RFC 8842): `client` when we are `active`. */
  readonly dtlsRole: 'client' | 'server';
  /** The peer's `a=max-message-size` (0: no limit). Defaults to 65 536 (RFC 8841 §6.1). */
  readonly maxMessageSize?: number;
  /** The peer's `a=sctp-port`. Defaults to 5000. */
  readonly sctpPort?: number;
  /** Our `a=sctp-port`. Defaults to 5000. */
  readonly localSctpPort?: number;
  /**
   * False when the descriptions negotiated no data channel section (audio and video only):
   * SCTP then does not start over DTLS until a later `start()` (a renegotiation that adds
   * the section) says otherwise. Default true.
   */
  readonly sctp?: boolean;
  /**
   * The peer is known to take RFC 9653's Zero Checksum Acceptable parameter in an SCTP INIT
   * (it is this stack: `@x/webrtc` reads `a=tool:x-webrtc`). Only then is it offered: pion's
   * SCTP before 2024 drops an INIT that carries it, and browsers send none. Default false.
   */
  readonly sctpZeroChecksum?: boolean;
  /**
   * What the advertised SCTP receive window is sized for, in bytes per second of the selected
   * pair's round trip (`@x/sctp` `receiveWindowRate`; default 128 MiB/s: 320 KiB on loopback
   * or a LAN, the whole buffer on long paths). `@x/webrtc` passes `Infinity` for a peer that is
   * this stack: it loses nothing inside its own send path, and two of ours on loopback moved
   * 9–15 % more with the whole 1 MiB buffer offered.
   */
  readonly sctpReceiveWindowRate?: number;
}

/** Counters of a Manager; bad input is dropped and counted here. */
export interface ManagerStats {
  /** Datagrams on the pair that were neither STUN, DTLS nor S(R)TP (RFC 7983), dropped. */
  readonly demuxDropped: number;
  /** DCEP messages dropped (malformed, unknown stream...). */
  readonly dcepDropped: number;
}
