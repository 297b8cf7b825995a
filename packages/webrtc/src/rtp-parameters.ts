/**
 * webrtc-pc §5.2 dictionaries of the RTP objects (`RTCRtpCodec`, `RTCRtpCapabilities`,
 * `RTCRtpEncodingParameters`, the send and receive parameters) and the checks the spec puts
 * on them: `sendEncodings` of `addTransceiver()` ("addTransceiver" steps 6–9) and the codec
 * lists of `setCodecPreferences()`. Capabilities are the codecs and header extensions of
 * `sdp/jsep-media.ts`, which is what this stack offers and answers.
 */
import { redPayloadTypes } from './sdp/codec-match.js';
import { AUDIO_CODECS, HEADER_EXTENSIONS, VIDEO_CODECS } from './sdp/jsep-media.js';
import { formatFmtp, type SdpCodec } from './sdp/rtp-media.js';

/** webrtc-pc `RTCRtpCodec`. */
export interface RTCRtpCodec {
  /** `audio/opus`, `video/VP8`, `video/rtx`, ... */
  readonly mimeType: string;
  /** RTP clock rate in Hz. */
  readonly clockRate: number;
  /** Audio channels (2 for Opus), absent for video. */
  readonly channels?: number;
  /** The `a=fmtp` parameters, as written in SDP. */
  readonly sdpFmtpLine?: string;
}

/** webrtc-pc `RTCRtpCodecParameters`: a negotiated codec with its payload type. */
export interface RTCRtpCodecParameters extends RTCRtpCodec {
  /** The RTP payload type of this description. */
  readonly payloadType: number;
}

/** webrtc-pc `RTCRtpHeaderExtensionCapability`. */
export interface RTCRtpHeaderExtensionCapability {
  /** The extension's URI (RFC 8285). */
  readonly uri: string;
}

/** webrtc-pc `RTCRtpHeaderExtensionParameters`: a negotiated extension with its id. */
export interface RTCRtpHeaderExtensionParameters {
  /** The extension's URI (RFC 8285). */
  readonly uri: string;
  /** The negotiated id (1–14 one-byte, up to 255 two-byte). */
  readonly id: number;
  /** Always false here (RFC 6904 is not negotiated). */
  readonly encrypted?: boolean;
}

/** webrtc-pc `RTCRtpCapabilities`. */
export interface RTCRtpCapabilities {
  /** The codecs, in our order of preference. */
  readonly codecs: RTCRtpCodec[];
  /** The RTP header extensions understood. */
  readonly headerExtensions: RTCRtpHeaderExtensionCapability[];
}

/** webrtc-pc `RTCRtcpParameters`. */
export interface RTCRtcpParameters {
  /** The RTCP CNAME (RFC 7022). */
  readonly cname?: string;
  /** Reduced-size RTCP (RFC 5506), always negotiated here. */
  readonly reducedSize?: boolean;
}

/** webrtc-pc `RTCRtpEncodingParameters` (with `RTCRtpCodingParameters`' `rid`). */
export interface RTCRtpEncodingParameters {
  /** The RTP stream id of a simulcast layer (RFC 8851). */
  rid?: string;
  /** False pauses the encoding (default true). */
  active?: boolean;
  /** Bits per second the encoding may use at most. */
  maxBitrate?: number;
  /** Frames per second at most (video). */
  maxFramerate?: number;
  /** The factor the resolution is divided by (video, at least 1). */
  scaleResolutionDownBy?: number;
  /** The encoding's priority (webrtc-priority). */
  priority?: 'very-low' | 'low' | 'medium' | 'high';
  /** The DSCP marking's priority (webrtc-priority). */
  networkPriority?: 'very-low' | 'low' | 'medium' | 'high';
  /** An SVC mode such as `L1T3` (webrtc-svc). */
  scalabilityMode?: string;
}

/** webrtc-pc `RTCRtpParameters`. */
export interface RTCRtpParameters {
  /** The negotiated header extensions. */
  headerExtensions: RTCRtpHeaderExtensionParameters[];
  /** The RTCP parameters. */
  rtcp: RTCRtcpParameters;
  /** The negotiated codecs (empty before a negotiation). */
  codecs: RTCRtpCodecParameters[];
}

/** webrtc-pc `RTCRtpSendParameters`. */
export interface RTCRtpSendParameters extends RTCRtpParameters {
  /** Ties `setParameters()` to the `getParameters()` it edits. */
  transactionId: string;
  /** One per simulcast layer (one without simulcast). */
  encodings: RTCRtpEncodingParameters[];
}

/** webrtc-pc `RTCRtpReceiveParameters`. */
export type RTCRtpReceiveParameters = RTCRtpParameters;

/** webrtc-pc `RTCRtpTransceiverDirection`. */
export type RTCRtpTransceiverDirection =
  | 'sendrecv'
  | 'sendonly'
  | 'recvonly'
  | 'inactive'
  | 'stopped';

/** webrtc-pc `RTCRtpTransceiverInit`. */
export interface RTCRtpTransceiverInit {
  /** Default `sendrecv`. */
  direction?: RTCRtpTransceiverDirection;
  /** The streams of the track, in `a=msid`. */
  streams?: import('./media-stream.js').MediaStream[];
  /** The encodings to send (simulcast layers with rids). */
  sendEncodings?: RTCRtpEncodingParameters[];
}

/** The most simulcast layers a sender keeps (webrtc-pc lets an implementation cap them). */
export const MAX_SIMULCAST_LAYERS = 4;

/** webrtc-pc `RTCRtpCodec` of one codec of the SDP tables. */
export function codecOf(kind: 'audio' | 'video', c: SdpCodec): RTCRtpCodec {
  // The line as written when it is not key=value pairs (telephone-event's `0-15`).
  const fmtp = c.fmtp ?? formatFmtp(c.parameters);
  return {
    mimeType: `${kind}/${c.name}`,
    clockRate: c.clockRate,
    ...(c.channels !== undefined ? { channels: c.channels } : {}),
    ...(fmtp !== '' ? { sdpFmtpLine: fmtp } : {}),
  };
}

/** `RTCRtpCodecParameters` of a negotiated codec. */
export function codecParametersOf(kind: 'audio' | 'video', c: SdpCodec): RTCRtpCodecParameters {
  return { payloadType: c.payloadType, ...codecOf(kind, c) };
}

/** The codec table of a kind. */
export function codecTable(kind: 'audio' | 'video'): readonly SdpCodec[] {
  return kind === 'audio' ? AUDIO_CODECS : VIDEO_CODECS;
}

/**
 * webrtc-pc `RTCRtpSender.getCapabilities()` / `RTCRtpReceiver.getCapabilities()`: the codecs
 * (RTX once, as browsers list it) and header extensions of `kind`; null for another kind.
 */
export function capabilities(kind: string): RTCRtpCapabilities | null {
  if (kind !== 'audio' && kind !== 'video') return null;
  const codecs: RTCRtpCodec[] = [];
  for (const c of codecTable(kind)) {
    const codec =
      c.name.toLowerCase() === 'rtx'
        ? { mimeType: `${kind}/rtx`, clockRate: c.clockRate }
        : codecOf(kind, c);
    if (!codecs.some((k) => sameRtpCodec(k, codec))) codecs.push(codec);
  }
  return { codecs, headerExtensions: HEADER_EXTENSIONS[kind].map((e) => ({ uri: e.uri })) };
}

/** webrtc-pc "codec dictionary match": mimeType (case-insensitive), clockRate, channels, sdpFmtpLine. */
export function sameRtpCodec(a: RTCRtpCodec, b: RTCRtpCodec): boolean {
  return (
    a.mimeType.toLowerCase() === b.mimeType.toLowerCase() &&
    a.clockRate === b.clockRate &&
    (a.channels ?? undefined) === (b.channels ?? undefined) &&
    (a.sdpFmtpLine ?? '') === (b.sdpFmtpLine ?? '')
  );
}

const isRepair = (mimeType: string): boolean => /\/(rtx|red|ulpfec|flexfec-03)$/i.test(mimeType);

/**
 * webrtc-pc `setCodecPreferences()` steps: duplicates dropped; a codec that is not one of
 * the receive capabilities, or a list of only RTX/RED/FEC, is an InvalidModificationError.
 * Returns the SDP codecs in preference order (RTX entries follow their codec when RTX is in
 * the list; RED, RFC 2198, stays where it is listed when the codec it carries is listed too,
 * so that red first makes a sender send RED); `[]` restores the default.
 */
export function preferredCodecs(
  kind: 'audio' | 'video',
  codecs: readonly RTCRtpCodec[],
): SdpCodec[] {
  if (!Array.isArray(codecs))
    throw new TypeError('setCodecPreferences(): codecs must be a sequence');
  if (codecs.length === 0) return [];
  const unique: RTCRtpCodec[] = [];
  for (const c of codecs) {
    if (c === null || typeof c !== 'object' || typeof c.mimeType !== 'string')
      throw new TypeError('setCodecPreferences(): each codec needs a mimeType');
    if (typeof c.clockRate !== 'number')
      throw new TypeError('setCodecPreferences(): each codec needs a clockRate');
    if (!unique.some((u) => sameRtpCodec(u, c))) unique.push(c);
  }
  const caps = capabilities(kind)!.codecs;
  for (const c of unique) {
    if (!caps.some((k) => sameRtpCodec(k, c)))
      throw new DOMException(
        `setCodecPreferences(): ${c.mimeType} ${c.sdpFmtpLine ?? ''} is not one of RTCRtpReceiver.getCapabilities('${kind}')`,
        'InvalidModificationError',
      );
  }
  if (unique.every((c) => isRepair(c.mimeType)))
    throw new DOMException(
      'setCodecPreferences(): the list has only RTX, RED or FEC codecs',
      'InvalidModificationError',
    );
  const table = codecTable(kind);
  const withRtx = unique.some((c) => /\/rtx$/i.test(c.mimeType));
  const out: SdpCodec[] = [];
  for (const c of unique) {
    if (isRepair(c.mimeType) && !/\/red$/i.test(c.mimeType)) continue;
    const entry = table.find(
      (t) => t.name.toLowerCase() !== 'rtx' && sameRtpCodec(codecOf(kind, t), c),
    );
    if (entry === undefined) continue;
    out.push(entry);
    const rtx = table.find(
      (t) => t.name.toLowerCase() === 'rtx' && t.parameters.apt === String(entry.payloadType),
    );
    if (withRtx && rtx !== undefined) out.push(rtx);
  }
  // A RED whose carried codec is not in the list protects nothing (RFC 2198 §5: its fmtp).
  return out.filter(
    (c) =>
      c.name.toLowerCase() !== 'red' ||
      redPayloadTypes(c).every((pt) => out.some((o) => o.payloadType === pt && o !== c)),
  );
}

/** RFC 8851 §10: rid-id = 1*(alpha-numeric / "-" / "_"); browsers cap it at 255 characters. */
const RID = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * webrtc-pc `addTransceiver()` steps for `sendEncodings`: TypeError for a rid that breaks
 * RFC 8851's grammar, some but not all encodings with a rid, or a rid used twice; RangeError
 * for `scaleResolutionDownBy` below 1 or a negative `maxFramerate`. Audio loses both
 * members; video gets `scaleResolutionDownBy` (2^(n-1-i) for simulcast, 1 alone). A single
 * encoding loses its rid; beyond {@link MAX_SIMULCAST_LAYERS} the rest are dropped.
 */
export function checkSendEncodings(
  kind: 'audio' | 'video',
  given: readonly RTCRtpEncodingParameters[] | undefined,
): RTCRtpEncodingParameters[] {
  if (given === undefined || given.length === 0) {
    return [kind === 'video' ? { active: true, scaleResolutionDownBy: 1 } : { active: true }];
  }
  if (!Array.isArray(given)) throw new TypeError('sendEncodings must be a sequence');
  const withRid = given.filter((e) => e?.rid !== undefined);
  if (withRid.length > 0 && withRid.length < given.length)
    throw new TypeError('sendEncodings: every encoding needs a rid, or none');
  const seen = new Set<string>();
  for (const e of given) {
    if (e === null || typeof e !== 'object')
      throw new TypeError('an encoding must be a dictionary');
    if (e.rid !== undefined) {
      const rid = String(e.rid);
      if (!RID.test(rid))
        throw new TypeError(`sendEncodings: rid "${rid}" breaks RFC 8851's rid-id grammar`);
      if (seen.has(rid)) throw new TypeError(`sendEncodings: rid "${rid}" is used twice`);
      seen.add(rid);
    }
    if (e.scaleResolutionDownBy !== undefined && !(Number(e.scaleResolutionDownBy) >= 1))
      throw new RangeError('sendEncodings: scaleResolutionDownBy must be at least 1');
    if (e.maxFramerate !== undefined && !(Number(e.maxFramerate) >= 0))
      throw new RangeError('sendEncodings: maxFramerate must not be negative');
  }
  let encodings = given.slice(0, MAX_SIMULCAST_LAYERS).map((e) => ({ active: true, ...e }));
  if (encodings.length === 1) {
    const { rid: _rid, ...rest } = encodings[0]!;
    encodings = [rest];
  }
  return encodings.map((e, i) => {
    if (kind === 'audio') {
      const { scaleResolutionDownBy: _s, maxFramerate: _f, ...rest } = e;
      return rest;
    }
    return {
      ...e,
      scaleResolutionDownBy: e.scaleResolutionDownBy ?? 2 ** (encodings.length - 1 - i),
    };
  });
}
