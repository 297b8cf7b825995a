/**
 * The media half of the Manager's contract: the generator it calls for each new incoming RTP
 * stream (pion/webrtc 1.2's `BufferTransportGenerator`), what the generator returns, what the
 * layer above tells it of the remote description, and its counters.
 */
import type { RtcpPacket, RtpPacket } from '@x/rtp';

/** A new incoming RTP stream, as the Manager saw it in its first authenticated packet. */
export interface IncomingStream {
  readonly ssrc: number;
  readonly payloadType: number;
  /** The media section it belongs to: from the MID header extension, the signaled SSRC or the payload type. */
  readonly mid: string | undefined;
  /** Its RtpStreamId (RFC 8852), when the RID header extension carried one (simulcast). */
  readonly rid: string | undefined;
  /** The RepairedRtpStreamId (RFC 8852 §3.2) of an RTX or FEC stream: the rid it repairs. */
  readonly repairedRid: string | undefined;
  /** True when the remote description listed this SSRC (`a=ssrc`). */
  readonly signaled: boolean;
}

/**
 * Where one incoming stream's packets go: what the generator returns. Called synchronously
 * while the datagram is handled; a handler that throws is reported and the stream carries on.
 */
export interface MediaSink {
  /**
   * An RTP packet of the stream, authenticated and decrypted. The packet owns its memory
   * (SRTP decryption made a new buffer): it may be kept.
   */
  onRtp(packet: RtpPacket): void;
  /** An RTCP packet the peer sent about this stream: its SR, SDES chunk or BYE. */
  onRtcp?(packet: RtcpPacket): void;
}

/**
 * Called once for each new incoming stream; returns where its packets go, or `undefined` to
 * drop the stream (its packets are then counted in `MediaStats.dropped.unwanted`).
 */
export type MediaGenerator = (stream: IncomingStream) => MediaSink | undefined;

/** What the remote description says about where RTP goes (RFC 8843 §9.2), from the layer above. */
export interface MediaRoutes {
  /** The ids the remote description negotiated for the MID and RID header extensions. */
  readonly extensionIds?: {
    readonly mid?: number | undefined;
    readonly rid?: number | undefined;
    readonly repairedRid?: number | undefined;
  };
  /** SSRCs the remote description signaled (`a=ssrc`), with the mid of their section. */
  readonly ssrcs?: ReadonlyMap<number, string>;
  /** Payload types that only one section uses, with its mid (the last resort of RFC 8843 §9.2). */
  readonly payloadTypes?: ReadonlyMap<number, string>;
}

/** Media options of a Manager. */
export interface MediaOptions {
  /**
   * Incoming streams the remote description did not signal (an SSRC not in `a=ssrc`: simulcast
   * layers, a peer that signals none) kept at most. A packet of another new unsignaled SSRC
   * beyond that is dropped and counted, so a flood of random SSRCs cannot grow memory.
   * Default 32.
   */
  readonly maxUnsignaledStreams?: number;
}

/** Why an RTP or RTCP datagram was dropped. */
export interface MediaDropCounts {
  /** Before SRTP was keyed (DTLS not connected yet), or after close. */
  readonly unkeyed: number;
  /** SRTP or SRTCP refused it (authentication, replay, truncation, ...): see the SRTP counts. */
  readonly srtp: number;
  /** Authenticated, yet not a well-formed RTP packet or RTCP compound. */
  readonly malformed: number;
  /** A stream the generator declined (it returned `undefined`). */
  readonly unwanted: number;
  /** A new unsignaled stream beyond `maxUnsignaledStreams`. */
  readonly tooManyStreams: number;
  /** RTCP about an SSRC that is neither a known incoming stream nor one we send. */
  readonly unknownSsrc: number;
}

/** Counters of the Manager's media path. */
export interface MediaStats {
  /** The negotiated SRTP profile's name, once keyed. */
  readonly srtpProfile: string | undefined;
  readonly rtpReceived: number;
  readonly rtcpReceived: number;
  readonly rtpSent: number;
  readonly rtcpSent: number;
  /** Incoming streams with a sink. */
  readonly streams: number;
  readonly dropped: MediaDropCounts;
}

/** Gets the RTCP the peer sends about one of our outgoing streams (NACK, PLI, FIR, reports). */
export type SendStreamFeedback = (packet: RtcpPacket) => void;
