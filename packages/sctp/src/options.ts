/**
 * Options, handlers and the transport contract of an {@link Association}.
 */

import type { Clock } from '@x/transport';

/**
 * What the association sends through: in the WebRTC stack a DTLS transport (RFC 8261), in
 * tests anything that carries datagrams. `send` must not call back into the association
 * synchronously with a reply (a reply is queued if it does).
 */
export interface DatagramTransport {
  /**
   * Sends one SCTP packet. Unless {@link DatagramTransport.copiesOnSend} is true, the association does not touch
   * `packet` afterwards.
   */
  send(packet: Uint8Array): void;
  /**
   * True when `send()` has finished with `packet` when it returns (it encrypts or copies it, as
   * a DTLS transport does): the association then builds every packet in one buffer that it
   * reuses, instead of a new buffer and a copy for each. Defaults to false.
   */
  readonly copiesOnSend?: boolean;
}

/** Callbacks for data and stream events. Each is optional; a handler that throws is logged. */
export interface AssociationHandlers {
  /**
   * A complete message arrived on `streamId`. `data` may be a view into a received packet:
   * copy it to keep it beyond the call when the transport reuses buffers. With the WebRTC
   * empty-message PPIDs (56, 57: RFC 8831 §6.6) `data` is empty.
   */
  onMessage?(streamId: number, ppid: number, data: Uint8Array): void;
  /** The buffered amount of `streamId` fell to or below its low threshold. */
  onBufferedAmountLow?(streamId: number): void;
  /**
   * The peer reset its outgoing streams `streamIds` (RFC 6525 §5.2.2): our incoming side of
   * them is reset. A data channel layer closes these channels, and resets its own outgoing
   * side with {@link Association.resetStreams} (RFC 8831 §6.7).
   */
  onIncomingStreamsReset?(streamIds: readonly number[]): void;
  /**
   * An outgoing reset asked for with {@link Association.resetStreams} completed (`ok`) or
   * was refused by the peer. After success the stream ids can be used again, from SSN 0.
   */
  onOutgoingStreamsReset?(streamIds: readonly number[], ok: boolean): void;
}

/** Options of an {@link Association}. */
export interface AssociationOptions {
  /** Time source for every timer. Defaults to `systemClock` of `@x/transport`. */
  readonly clock?: Clock;
  /** Our SCTP port (RFC 8841 `a=sctp-port`). Defaults to 5000. */
  readonly localPort?: number;
  /** The peer's SCTP port. Defaults to 5000. */
  readonly remotePort?: number;
  /**
   * The largest message we accept, as advertised in SDP `a=max-message-size` (RFC 8841
   * §6.1). Larger reassembled messages are dropped and counted. Defaults to 262 144 (256 KiB).
   */
  readonly maxMessageSize?: number;
  /**
   * The largest message the peer accepts (its `a=max-message-size`; 0 means no limit). A
   * larger `send` throws {@link MessageTooLargeError}. Defaults to 262 144.
   */
  readonly remoteMaxMessageSize?: number;
  /**
   * Receive buffer: the most data held for reassembly and reordering, and the largest advertised
   * window a_rwnd. Defaults to 1 MiB, and at least maxMessageSize + 64 KiB.
   */
  readonly receiveBufferSize?: number;
  /**
   * The receive rate, in bytes per second, that the advertised window is sized for on a short
   * path: a_rwnd offers this rate times the lowest round-trip time known ({@link AssociationOptions.pathRttMs},
   * then the association's own measurements), at least maxMessageSize + 64 KiB, at most
   * {@link AssociationOptions.receiveBufferSize}. A peer that may send far more than the path's round trip needs
   * can overrun its own send path: Chromium sending to a 1 MiB window on loopback lost packets
   * inside itself, and retransmitted what had arrived, until its DATA chunks were 30 % more
   * than the data needed and 7–12 % duplicates (a 320 KiB window: none of either, 43 % more
   * throughput, 32 % less CPU per MB here). Until a round-trip time is known, and with
   * `Infinity`, the whole receive buffer is offered. Defaults to 128 MiB/s.
   */
  readonly receiveWindowRate?: number;
  /**
   * The round-trip time of the path in ms as the layer below measured it (ICE connectivity
   * checks), before the association measures its own: see
   * {@link AssociationOptions.receiveWindowRate} and
   * {@link Association.setPathRtt}.
   */
  readonly pathRttMs?: number;
  /** Path MTU: the largest SCTP packet sent. Defaults to 1200 (WebRTC over DTLS). */
  readonly mtu?: number;
  /**
   * Largest PMTU to look for with probes (RFC 8899 PLPMTUD): when above `mtu`, the association
   * probes once established and uses larger packets where they pass (loopback carries 16 KiB
   * DTLS records, for instance). Defaults to `mtu`: no probing. See {@link Association.setMaxMtu}.
   */
  readonly maxMtu?: number;
  /** Outbound streams asked for in INIT. Defaults to 65 535. */
  readonly outboundStreams?: number;
  /** Maximum inbound streams offered. Defaults to 65 535. */
  readonly inboundStreams?: number;
  /** RTO.Initial in ms (RFC 9260 §16). Defaults to 1000. */
  readonly rtoInitialMs?: number;
  /** RTO.Min in ms. Defaults to 400 (RFC 9260's 1 s is long for data channels). */
  readonly rtoMinMs?: number;
  /** RTO.Max in ms. Defaults to 60 000. */
  readonly rtoMaxMs?: number;
  /**
   * Association.Max.Retrans (RFC 9260 §8.1): when the count of consecutive retransmission
   * timeouts (T3-rtx, heartbeat, T2, RE-CONFIG) exceeds it, the peer is declared unreachable
   * and the association closes with cause `too-many-retransmissions`, so on the 11th timeout
   * with the default 10. With RTO doubling from 1 s up to `rtoMaxMs`, a dead path under load
   * is noticed after about 1+2+4+...+60 s; lower `rtoMaxMs` to notice sooner. Any acknowledged
   * data or heartbeat resets the count. Defaults to 10.
   */
  readonly maxRetransmissions?: number;
  /** Max.Init.Retransmits for INIT and COOKIE-ECHO. Defaults to 8. */
  readonly maxInitRetransmissions?: number;
  /** HB.interval in ms (RFC 9260 §8.3); 0 disables heartbeats. Defaults to 30 000. */
  readonly heartbeatIntervalMs?: number;
  /** Delayed SACK timeout (RFC 9260 §6.2). Defaults to 200 ms. */
  readonly delayedAckMs?: number;
  /** Valid.Cookie.Life in ms. Defaults to 60 000. */
  readonly cookieLifetimeMs?: number;
  /**
   * Offer and use zero checksums (RFC 9653) with the DTLS error detection method. Only when
   * a lower layer authenticates packets (DTLS, RFC 8261). Defaults to false.
   */
  readonly zeroChecksum?: boolean;
  /** Data and stream callbacks. */
  readonly handlers?: AssociationHandlers;
}

/** Options of {@link Association.send}. */
export interface SendOptions {
  /** Ordered delivery within the stream. Defaults to true. */
  readonly ordered?: boolean;
  /** Partial reliability, RFC 3758 limited retransmissions: at most this many retransmissions. */
  readonly maxRetransmits?: number;
  /** Partial reliability, RFC 3758 timed reliability: abandon after this many ms. */
  readonly maxPacketLifeTime?: number;
}

/** Well-known payload protocol identifiers of WebRTC (RFC 8831 §8, RFC 8832 §8.1). */
export const Ppid = {
  Dcep: 50,
  String: 51,
  Binary: 53,
  StringEmpty: 56,
  BinaryEmpty: 57,
} as const;

/** Counters of an association: drops are counted here, never thrown. */
export interface AssociationStats {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  dataChunksSent: number;
  dataChunksReceived: number;
  duplicateChunks: number;
  retransmissions: number;
  fastRetransmits: number;
  t3Expirations: number;
  abandonedMessages: number;
  /** Packets dropped: too short, wrong port, bad checksum, wrong tag, malformed chunk. */
  droppedPackets: number;
  /** Chunks ignored: malformed, unknown type, out of window, no buffer space, wrong state. */
  droppedChunks: number;
  /** Messages larger than maxMessageSize dropped on receipt. */
  oversizedMessages: number;
  /** Exceptions caught while handling input (a bug if not 0). */
  internalErrors: number;
  /** Congestion window, slow-start threshold, bytes in flight, peer window, RTO, SRTT. */
  cwnd: number;
  ssthresh: number;
  flightSize: number;
  /** DATA chunks sent and not yet cumulatively acknowledged (RFC 6458 `sstat_unackdata`). */
  unackedChunks: number;
  peerRwnd: number;
  /** The window our SACKs advertise now (a_rwnd; see `receiveWindowRate`). */
  localRwnd: number;
  rto: number;
  srtt: number | undefined;
  /** The PMTU in use (the `mtu` option until a probe confirms more, RFC 8899). */
  pathMtu: number;
  /** PMTU probes sent (HEARTBEAT + PAD, RFC 8899 §6.2). */
  pmtuProbesSent: number;
}
