/**
 * The options and the counters of an {@link OutboundRtpStream}.
 */

import type { Payloader } from '../codecs/depacketizer.js';
import { type PayloaderOptions, payloaderFor } from '../codecs/registry.js';
import { RtpConfigurationError } from '../errors.js';
import type { RtpExtensionIds } from '../packet/extension-map.js';
import type { AudioLevel } from '../packet/extension-values.js';
import type { SendHistoryOptions } from '../stream/send-history.js';
import type { KeyframeRequest, MediaKind, RtpStage } from './stage.js';
import type { TransportSequenceCounter } from './transport-sequence.js';

/**
 * What made a packet `send` hands over: `frame` (`sendFrame`, `sendPayload`), `forwarded`
 * (`sendRtp`: paced by its source already) or `retransmission` (`retransmit`, on RTX when
 * configured).
 */
export type SentPacketOrigin = 'frame' | 'forwarded' | 'retransmission';

/** Options of an {@link OutboundRtpStream}. */
export interface OutboundRtpStreamOptions {
  /** Our SSRC for this stream (RFC 3550 §8: chosen at random by the caller, unique in the session). */
  readonly ssrc: number;
  /** The negotiated payload type of the codec (0–127). */
  readonly payloadType: number;
  /** RTP clock rate of the codec in Hz (90000 for video, 48000 for Opus, 8000 for G.711). */
  readonly clockRate: number;
  /**
   * The codec's media type (`'video/VP8'`, `'audio/opus'`, …): picks the payloader through
   * `payloaderFor` and, when `kind` is absent, the kind. Needed by `sendFrame` unless a
   * `payloader` is given; `sendRtp` alone needs neither.
   */
  readonly mimeType?: string;
  /** Options of the payloader `payloaderFor` makes (picture id, H.264 packetization mode…). */
  readonly payloaderOptions?: PayloaderOptions;
  /** Your own payloader (one per stream: payloaders keep state), instead of `payloaderFor`'s. */
  readonly payloader?: Payloader;
  /** Audio or video; default: the `mimeType`'s top-level type, else `'video'`. */
  readonly kind?: MediaKind;
  /**
   * The largest RTP packet sent, header included, before SRTP adds its tag (10 or 16 bytes).
   * Default 1200, libwebrtc's, which leaves room for SRTP, TURN and IPv6 in a 1280-byte path.
   */
  readonly maxPacketSize?: number;
  /** The header extension ids this stream's section negotiated (RFC 8285 §5); absent ones are not sent. */
  readonly extensionIds?: RtpExtensionIds;
  /** The section's MID, sent in the `mid` extension (RFC 9143 §15) when its id is negotiated. */
  readonly mid?: string;
  /** The encoding's RID, sent in the `rid` extension (RFC 8852 §3.1) when its id is negotiated. */
  readonly rid?: string;
  /**
   * The counter shared by every stream of the transport, for the transport-wide sequence
   * number extension; without it the extension is not sent even when its id is negotiated.
   */
  readonly transportSequence?: TransportSequenceCounter;
  /** Options of the retransmission history, or `false` to keep none. Default `{}` (1024 packets). */
  readonly history?: SendHistoryOptions | false;
  /** The RTX stream (RFC 4588) retransmissions go on; absent: retransmit on the stream itself. */
  readonly rtx?: { readonly ssrc: number; readonly payloadType: number };
  /** The first sequence number; default random (RFC 3550 §5.1). */
  readonly initialSequenceNumber?: number;
  /** Added to every RTP timestamp (32 bits); default random (RFC 3550 §5.1). */
  readonly timestampOffset?: number;
  /** A uniform source in [0, 1) for the random defaults; default the system's crypto generator. */
  readonly random?: () => number;
  /**
   * Where serialized RTP packets go (to SRTP and the wire, e.g. `manager.sendRtp`). Each call
   * hands over a new buffer that the callee may keep, and says where the packet came from (a
   * pacer holds frames, sends retransmissions first and lets forwarded packets through).
   */
  readonly send: (packet: Uint8Array, origin: SentPacketOrigin) => void;
  /**
   * Called when the peer asks for a keyframe for this stream (a PLI, or a FIR with a new
   * command sequence number), after the stream has counted it. Ask the encoder for one.
   */
  readonly onKeyframeRequest?: (request: KeyframeRequest) => void;
  /** Stages around the stream (NACK responder, TWCC, …), called in order. */
  readonly stages?: readonly RtpStage[];
}

/** How a frame given to {@link OutboundRtpStream.sendFrame} is timed and flagged. */
export interface SendFrameOptions {
  /**
   * The frame's RTP timestamp in clock-rate units on the source's own timeline (an encoder's
   * timestamp, a file's pts); the stream adds its random offset. Takes precedence over
   * `captureTimeMs`.
   */
  readonly rtpTimestamp?: number;
  /**
   * When the frame was captured, in ms on the same clock as `nowMs`; converted to an RTP
   * timestamp with the clock rate. Default: `nowMs`.
   */
  readonly captureTimeMs?: number;
  /**
   * The marker bit (RFC 3550 §5.1). Video: set on the last packet of the frame unless `false`
   * (a spatial layer that does not end its picture). Audio: `true` sets it on the packet that
   * begins a talkspurt (RFC 3551 §4.1); default `false`.
   */
  readonly marker?: boolean;
  /** The frame is a keyframe (counted in `keyFramesSent`). Default `false`. */
  readonly keyframe?: boolean;
  /** The audio level of the frame (RFC 6464), sent when the `audioLevel` extension is negotiated. */
  readonly audioLevel?: AudioLevel;
}

/** Options of {@link OutboundRtpStream.sendPayload}. */
export interface SendPayloadOptions {
  /** The payload type of the payload's format (a negotiated one, 0–127). */
  readonly payloadType: number;
  /**
   * The packet's RTP timestamp on the stream's own timeline (the random offset included), e.g.
   * {@link OutboundRtpStream.rtpTimestampAt} when an RFC 4733 event began.
   */
  readonly rtpTimestamp: number;
  /** The marker bit (RFC 4733 §2.5.1.3: on the first packet of an event). Default `false`. */
  readonly marker?: boolean;
}

/** Options of {@link OutboundRtpStream.sendRtp}. */
export interface ForwardRtpOptions {
  /** The packet begins a keyframe (counted in `keyFramesSent`). Default `false`. */
  readonly keyframe?: boolean;
  /** The audio level to send (RFC 6464), when the `audioLevel` extension is negotiated. */
  readonly audioLevel?: AudioLevel;
}

/**
 * Counters of an outbound stream, named and measured as W3C webrtc-stats `RTCOutboundRtpStreamStats`
 * names them where it has a member (bytes are payload bytes; times are ms on the caller's clock).
 */
export interface OutboundRtpCounters {
  /**
   * Packets sent, retransmissions included (W3C `packetsSent`; the SR's packet count, RFC 3550
   * §6.4.1, as libwebrtc counts it).
   */
  readonly packetsSent: number;
  /** Payload bytes sent, headers and padding excluded, retransmissions included (the SR's octet count). */
  readonly bytesSent: number;
  /** RTP header and padding bytes sent. */
  readonly headerBytesSent: number;
  /** Frames given to `sendFrame`, or frames ended (marker) by `sendRtp` for video. */
  readonly framesSent: number;
  /** Of those, keyframes. */
  readonly keyFramesSent: number;
  /** Packets of `packetsSent` that `retransmit` sent again (on RTX when configured). */
  readonly retransmittedPacketsSent: number;
  /** Their payload bytes (without RTX's original sequence number). */
  readonly retransmittedBytesSent: number;
  /** Padding-only packets {@link OutboundRtpStream.padding} made (bandwidth probes), not in `packetsSent`. */
  readonly paddingPacketsSent: number;
  /** NACK packets received for this stream (RFC 4585 §6.2.1). */
  readonly nackCount: number;
  /** PLI packets received for this stream (RFC 4585 §6.3.1). */
  readonly pliCount: number;
  /** FIR requests received for this stream (RFC 5104 §4.3.1; repeats of one request count once). */
  readonly firCount: number;
  /** Sender reports made for this stream. */
  readonly senderReportsSent: number;
  /** Packets `sendRtp` dropped for being older than the first forwarded since the last (re)start. */
  readonly forwardedTooOld: number;
  /** When the last packet was sent (ms), or `undefined`. */
  readonly lastPacketSentMs: number | undefined;
  /** The RTP timestamp of the last frame sent, with the offset (what the wire carries), or `undefined`. */
  readonly lastSentRtpTimestamp: number | undefined;
  /** The capture time (ms) of that frame: with it, the RTP/NTP mapping of the sender report. */
  readonly lastSentCaptureMs: number | undefined;
}

/**
 * What the peer reports about this stream in the report blocks of its SR/RR (RFC 3550
 * §6.4.1): W3C `RTCRemoteInboundRtpStreamStats`, in its units (seconds, a fraction of 1).
 */
export interface RemoteInboundRtpCounters {
  /** Cumulative packets lost (signed: duplicates can make it negative). */
  readonly packetsLost: number;
  /** Fraction lost in the peer's last interval, 0 to 1 (the 8-bit field over 256). */
  readonly fractionLost: number;
  /** Interarrival jitter, in seconds. */
  readonly jitter: number;
  /** The peer's extended highest sequence number received. */
  readonly highestSequenceNumber: number;
  /** The last round-trip time (RFC 3550 §6.4.1: A − LSR − DLSR) in seconds, or `undefined`. */
  readonly roundTripTime: number | undefined;
  /** The sum of every round-trip time measured, in seconds. */
  readonly totalRoundTripTime: number;
  /** The number of round-trip times measured. */
  readonly roundTripTimeMeasurements: number;
  /** Report blocks received about this stream. */
  readonly reportsReceived: number;
  /** When the last one arrived (ms). */
  readonly lastReportMs: number;
}

function checkUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RtpConfigurationError(
      `OutboundRtpStream: ${name} ${value} is out of range (an integer from 0 to ${max})`,
    );
  }
}

/**
 * Checks the options of an {@link OutboundRtpStream} and resolves what has a default; throws
 * {@link RtpConfigurationError} for a value out of range or a `mimeType` without payloader.
 */
export function resolveOutboundOptions(options: OutboundRtpStreamOptions): {
  readonly maxPacketSize: number;
  readonly kind: MediaKind;
  readonly payloader: Payloader | undefined;
} {
  checkUint('ssrc', options.ssrc, 0xffff_ffff);
  checkUint('payloadType', options.payloadType, 127);
  if (!Number.isInteger(options.clockRate) || options.clockRate <= 0) {
    throw new RtpConfigurationError(
      `OutboundRtpStream: clockRate ${options.clockRate} is not a positive integer (Hz)`,
    );
  }
  const maxPacketSize = options.maxPacketSize ?? 1200;
  if (!Number.isInteger(maxPacketSize) || maxPacketSize < 100 || maxPacketSize > 65535) {
    throw new RtpConfigurationError(
      `OutboundRtpStream: maxPacketSize ${maxPacketSize} is out of range (100 to 65535 bytes)`,
    );
  }
  if (options.rtx !== undefined) {
    checkUint('rtx.ssrc', options.rtx.ssrc, 0xffff_ffff);
    checkUint('rtx.payloadType', options.rtx.payloadType, 127);
  }
  if (options.initialSequenceNumber !== undefined) {
    checkUint('initialSequenceNumber', options.initialSequenceNumber, 0xffff);
  }
  if (options.timestampOffset !== undefined) {
    checkUint('timestampOffset', options.timestampOffset, 0xffff_ffff);
  }
  let payloader = options.payloader;
  if (payloader === undefined && options.mimeType !== undefined) {
    payloader = payloaderFor(options.mimeType, options.payloaderOptions);
    if (payloader === undefined) {
      throw new RtpConfigurationError(
        `OutboundRtpStream: no payloader for ${options.mimeType}; give a payloader of your own`,
      );
    }
  }
  const top = options.mimeType?.split('/')[0]?.toLowerCase();
  return { maxPacketSize, kind: options.kind ?? (top === 'audio' ? 'audio' : 'video'), payloader };
}
