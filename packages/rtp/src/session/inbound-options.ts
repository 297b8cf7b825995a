/**
 * The options and the counters of an {@link InboundRtpStream}.
 */

import type { Depacketizer } from '../codecs/depacketizer.js';
import type { RtpExtensionIds } from '../packet/extension-map.js';
import type { AudioLevel } from '../packet/extension-values.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import type { JitterPopOptions } from '../stream/jitter-buffer-options.js';
import type { MediaKind, RtpStage } from './stage.js';

/** Options of an {@link InboundRtpStream}. */
export interface InboundRtpStreamOptions {
  /** The SSRC of the stream the peer sends. */
  readonly ssrc: number;
  /** RTP clock rate of its codec in Hz. */
  readonly clockRate: number;
  /**
   * The codec's media type (`'video/VP8'`, `'audio/opus'`, …): picks the depacketizer through
   * `depacketizerFor` and, when `kind` is absent, the kind.
   */
  readonly mimeType?: string;
  /**
   * Your own depacketizer instead of `depacketizerFor`'s, or `false` for a stream that only
   * wants RTP (an SFU forwarding packets): no jitter buffer, no frames, statistics only.
   */
  readonly depacketizer?: Depacketizer | false;
  /** Audio or video; default: the `mimeType`'s top-level type, else `'video'`. */
  readonly kind?: MediaKind;
  /**
   * The jitter buffer's playout delay (ms): the time a missing packet has to arrive (reordered,
   * or retransmitted after a NACK) before its frame is given up. Default 0: a frame is
   * released as soon as it is complete and in order.
   */
  readonly targetLatencyMs?: number;
  /**
   * After a lost frame, release nothing but a keyframe and raise `keyframeNeeded`. Default
   * true for video, false for audio.
   */
  readonly requiresKeyframeAfterLoss?: boolean;
  /**
   * H.264: put the last SPS and PPS received in front of an IDR access unit that comes without
   * them (its STAP-A of parameter sets was lost), as libwebrtc's SPS/PPS tracker does. Default
   * true for `video/H264`.
   */
  readonly h264ParameterSets?: boolean;
  /** The jitter buffer's span of sequence numbers (16–32768). Default 1024. */
  readonly maxPackets?: number;
  /**
   * How `requestKeyframe` asks: `'pli'` (RFC 4585 §6.3.1, `a=rtcp-fb:* nack pli`) or `'fir'`
   * (RFC 5104 §4.3.1, when only `ccm fir` was negotiated). Default `'pli'`.
   */
  readonly keyframeRequest?: 'pli' | 'fir';
  /**
   * The SSRC put as sender of our feedback packets: one of our sending SSRCs, or the
   * reporting SSRC of a connection that sends nothing. Default 1, libwebrtc's for a
   * receive-only stream.
   */
  readonly feedbackSsrc?: number;
  /**
   * Where feedback about this stream goes (PLI, FIR, and the NACKs of a stage), e.g.
   * `(p) => reporter.sendFeedback([p])`. Without it `requestKeyframe` counts
   * and drops.
   */
  readonly sendFeedback?: (packet: RtcpPacket) => void;
  /** Stages around the stream (NACK generator, TWCC, REMB…), called in order. */
  readonly stages?: readonly RtpStage[];
  /**
   * The header extension ids the section negotiated: with `audioLevel`, the level of each
   * packet (RFC 6464) is kept for {@link InboundRtpStream.lastPacket}.
   */
  readonly extensionIds?: RtpExtensionIds;
}

/**
 * The newest packet received (by RTP timestamp): what W3C `getSynchronizationSources()`
 * reports of a source.
 */
export interface InboundLastPacket {
  /** When it arrived (ms). */
  readonly arrivalMs: number;
  /** Its RTP timestamp. */
  readonly rtpTimestamp: number;
  /** Its audio level (RFC 6464), when the extension was negotiated and present. */
  readonly audioLevel?: AudioLevel;
}

/** Options of {@link InboundRtpStream.receive}. */
export interface InboundReceiveOptions {
  /**
   * False: the packet carries no frame of the stream's codec (RFC 4733 telephone events): it
   * is counted and in the statistics, but not given to the jitter buffer. Default true.
   */
  readonly frames?: boolean;
}

/** Options of {@link InboundRtpStream.pop}: those of the jitter buffer's `pop`. */
export interface InboundPopOptions extends JitterPopOptions {}

/** What {@link InboundRtpStream.receive} did with a packet. */
export type InboundReceiveResult =
  /** Stored in the jitter buffer (or, without one, counted). */
  | 'accepted'
  /** A copy of a packet already received: dropped. */
  | 'duplicate'
  /** Too late for its frame, already released or given up: dropped. */
  | 'late'
  /** Far outside the sequence window, held until the next packet confirms a jump. */
  | 'out-of-window'
  /** Of another SSRC: dropped, counted in `wrongSsrc`. */
  | 'wrong-ssrc';

/**
 * Counters of an inbound stream, named and measured as W3C webrtc-stats
 * `RTCInboundRtpStreamStats` names them (jitter in seconds, bytes of payload, times in ms
 * on the caller's clock). `framesDecoded` is not here: this stack does not decode.
 */
export interface InboundRtpCounters {
  /** Packets of the SSRC received, duplicates and retransmissions included. */
  readonly packetsReceived: number;
  /**
   * RFC 3550 §A.3 cumulative loss: expected − received since the source was validated
   * (negative with duplicates, as the W3C member allows).
   */
  readonly packetsLost: number;
  /** RFC 3550 §A.8 interarrival jitter, in seconds. */
  readonly jitter: number;
  /** Payload bytes received (headers and padding excluded). */
  readonly bytesReceived: number;
  /** RTP header and padding bytes received. */
  readonly headerBytesReceived: number;
  /** Packets the jitter buffer dropped: too late, or copies of one it had. */
  readonly packetsDiscarded: number;
  /** Complete frames the jitter buffer released. */
  readonly framesReceived: number;
  /** Of those, keyframes. */
  readonly keyFramesReceived: number;
  /** Frames dropped before release: incomplete at their deadline, or waiting for a keyframe. */
  readonly framesDropped: number;
  /** W3C `jitterBufferDelay`: the sum, over released frames, of release time − first arrival, in seconds. */
  readonly jitterBufferDelay: number;
  /** W3C `jitterBufferEmittedCount`: frames counted in `jitterBufferDelay`. */
  readonly jitterBufferEmittedCount: number;
  /** When the last packet arrived (ms), or `undefined`. */
  readonly lastPacketReceivedTimestamp: number | undefined;
  /** NACK packets sent about this stream (through `sendFeedback`, by the NACK stage). */
  readonly nackCount: number;
  /** PLI packets sent (RFC 4585 §6.3.1). */
  readonly pliCount: number;
  /** FIR packets sent (RFC 5104 §4.3.1). */
  readonly firCount: number;
  /** Packets of another SSRC given to `receive`. */
  readonly wrongSsrc: number;
}

/**
 * What the peer's last sender report (RFC 3550 §6.4.1) says about the stream: W3C
 * `RTCRemoteOutboundRtpStreamStats`.
 */
export interface RemoteOutboundRtpCounters {
  /** The report's NTP time as Unix ms (W3C `remoteTimestamp`). */
  readonly remoteTimestamp: number;
  /** The RTP timestamp of the same instant. */
  readonly rtpTimestamp: number;
  /** The sender's packet count (wraps at 2³²). */
  readonly packetsSent: number;
  /** The sender's octet count (payload bytes; wraps at 2³²). */
  readonly bytesSent: number;
  /** Sender reports received. */
  readonly reportsSent: number;
  /** When the last one arrived (ms, our clock). */
  readonly arrivalMs: number;
}

/** Why the peer said the stream ended: the BYE it sent (RFC 3550 §6.6). */
export interface InboundStreamBye {
  /** The reason text of the BYE, when it had one. */
  readonly reason?: string;
  /** When it arrived (ms). */
  readonly arrivalMs: number;
}
