/**
 * JSEP (RFC 9429) for audio and video m= sections, Unified Plan: what this stack supports
 * (codecs, RTCP feedback, header extensions), an RTP section built from a transceiver's view,
 * the remote RTP sections read out of a description, and the answer's direction, codecs and
 * extensions (§5.3.1). `jsep.ts` puts these sections in offers and answers beside the data one.
 */

import type { SdpDirection, SdpMediaSection, SessionDescription } from './model.js';
import { answerCodecs } from './codec-match.js';
import {
  isRtpMediaProblem,
  type RtpMedia,
  type RtpMediaProblem,
  readRtpMedia,
  rtpMediaAttributes,
  type SdpCodec,
  type SdpHeaderExtension,
  type SdpRid,
  type SdpRtcpFeedback,
  type SdpSimulcast,
} from './rtp-media.js';
import { effectiveTransport, isRejected } from './validate.js';

/** The protocol of every RTP section this stack offers (RFC 5764 §8, RFC 5124). */
export const RTP_PROTOCOL = 'UDP/TLS/RTP/SAVPF';

/** RTP protocols an answer can accept (JSEP §5.1.2: the answerer accepts the SAVPF profiles). */
const RTP_PROTOCOLS = new Set(['UDP/TLS/RTP/SAVPF', 'TCP/TLS/RTP/SAVPF', 'RTP/SAVPF']);

/** True for an audio or video section over a protocol this stack can answer. */
export function isRtpSection(section: SdpMediaSection): boolean {
  return (
    (section.kind === 'audio' || section.kind === 'video') && RTP_PROTOCOLS.has(section.protocol)
  );
}

const feedback = (type: string, parameter?: string): SdpRtcpFeedback =>
  parameter === undefined ? { type } : { type, parameter };

/** The RTCP feedback we do on video (RFC 4585, RFC 5104, REMB, transport-wide cc). */
const VIDEO_FEEDBACK: readonly SdpRtcpFeedback[] = [
  feedback('goog-remb'),
  feedback('transport-cc'),
  feedback('ccm', 'fir'),
  feedback('nack'),
  feedback('nack', 'pli'),
];

const codec = (
  payloadType: number,
  name: string,
  clockRate: number,
  parameters: Record<string, string> = {},
  rtcpFeedback: readonly SdpRtcpFeedback[] = [],
  channels?: number,
): SdpCodec => ({
  payloadType,
  name,
  clockRate,
  ...(channels !== undefined ? { channels } : {}),
  parameters,
  rtcpFeedback,
});

/**
 * RFC 4733 telephone events at one clock rate: the DTMF events 0–15 (`a=fmtp:<pt> 0-15`, which
 * is also the default when the line is absent, RFC 4733 §2.4.1).
 */
const telephoneEvent = (payloadType: number, clockRate: number): SdpCodec => ({
  ...codec(payloadType, 'telephone-event', clockRate),
  fmtp: '0-15',
});

/**
 * Audio codecs we send and receive, in our order of preference, with the payload types of our
 * offers (Chromium's numbers, so that an SFU forwarding between us and a browser rarely has to
 * rewrite them): Opus (RFC 7587) with RED around it (RFC 2198), then G.711
 * (RFC 3551), then RFC 4733 telephone events at
 * the clock rate of each (what `RTCDTMFSender` sends; DTMF goes at the rate of the audio codec).
 */
export const AUDIO_CODECS: readonly SdpCodec[] = [
  codec(111, 'opus', 48000, { minptime: '10', useinbandfec: '1' }, [feedback('transport-cc')], 2),
  // RFC 2198 redundancy around Opus, as Chromium offers it: we take it (a lost packet's frame
  // comes with the next one), and send it when the answer puts it first (as Chromium does,
  // e.g. after setCodecPreferences() with red first); after Opus, we send plain Opus.
  { ...codec(63, 'red', 48000, {}, [], 2), fmtp: '111/111' },
  codec(0, 'PCMU', 8000),
  codec(8, 'PCMA', 8000),
  telephoneEvent(110, 48000),
  telephoneEvent(126, 8000),
];

/**
 * Codecs that carry no track of their own: RTX, RED and FEC repair or protect another (RFC
 * 4588, 2198, 5109), telephone events (RFC 4733) go beside the audio codec. A section whose
 * codecs are all of these has nothing to send or play.
 */
export function isAuxiliaryCodec(name: string): boolean {
  return AUXILIARY_CODECS.has(name.toLowerCase());
}
const AUXILIARY_CODECS: ReadonlySet<string> = new Set([
  'rtx',
  'red',
  'ulpfec',
  'flexfec-03',
  'telephone-event',
]);

/**
 * Video codecs we send and receive, each with RTX (RFC 4588): VP8 (RFC 7741), VP9 profile 0
 * (RFC 9628), H.264 Constrained Baseline and Baseline in packetization mode 1 (RFC 6184), AV1
 * profile 0 — the frames are the application's, the stack only packetizes them.
 */
export const VIDEO_CODECS: readonly SdpCodec[] = [
  codec(96, 'VP8', 90000, {}, VIDEO_FEEDBACK),
  codec(97, 'rtx', 90000, { apt: '96' }),
  codec(98, 'VP9', 90000, { 'profile-id': '0' }, VIDEO_FEEDBACK),
  codec(99, 'rtx', 90000, { apt: '98' }),
  codec(
    102,
    'H264',
    90000,
    { 'level-asymmetry-allowed': '1', 'packetization-mode': '1', 'profile-level-id': '42e01f' },
    VIDEO_FEEDBACK,
  ),
  codec(103, 'rtx', 90000, { apt: '102' }),
  codec(
    104,
    'H264',
    90000,
    { 'level-asymmetry-allowed': '1', 'packetization-mode': '1', 'profile-level-id': '42001f' },
    VIDEO_FEEDBACK,
  ),
  codec(105, 'rtx', 90000, { apt: '104' }),
  codec(45, 'AV1', 90000, { 'level-idx': '5', profile: '0', tier: '0' }, VIDEO_FEEDBACK),
  codec(46, 'rtx', 90000, { apt: '45' }),
];

/** True for an RFC 4733 `telephone-event` codec. */
export function isTelephoneEvent(c: SdpCodec): boolean {
  return c.name.toLowerCase() === 'telephone-event';
}

/** RFC 8285 header extensions we understand, per kind, with the ids of our offers. */
export const HEADER_EXTENSIONS: Readonly<Record<'audio' | 'video', readonly SdpHeaderExtension[]>> =
  {
    audio: [
      { id: 1, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' },
      { id: 2, uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time' },
      { id: 3, uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' },
      { id: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' },
    ],
    video: [
      { id: 2, uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time' },
      { id: 3, uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' },
      { id: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' },
      { id: 10, uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id' },
      { id: 11, uri: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id' },
      { id: 13, uri: 'urn:3gpp:video-orientation' },
      { id: 12, uri: 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay' },
    ],
  };

/** The direction as the other side sees it (`sendonly` ↔ `recvonly`). */
export function reverseDirection(direction: SdpDirection): SdpDirection {
  return direction === 'sendonly' ? 'recvonly' : direction === 'recvonly' ? 'sendonly' : direction;
}

const sends = (d: SdpDirection): boolean => d === 'sendrecv' || d === 'sendonly';
const receives = (d: SdpDirection): boolean => d === 'sendrecv' || d === 'recvonly';
const direction = (send: boolean, receive: boolean): SdpDirection =>
  send ? (receive ? 'sendrecv' : 'sendonly') : receive ? 'recvonly' : 'inactive';

/**
 * The answer's direction (JSEP §5.3.1, RFC 3264 §6.1): we send only what the offerer
 * receives and we want to send; we receive only what it sends and we want to receive.
 */
export function answerDirection(offered: SdpDirection, wanted: SdpDirection): SdpDirection {
  return direction(sends(wanted) && receives(offered), receives(wanted) && sends(offered));
}

/**
 * The answer's header extensions (JSEP §5.3.1, RFC 8285 §5): the offered ones we understand,
 * with the offer's ids, in the offer's order.
 */
export function answerHeaderExtensions(
  offered: readonly SdpHeaderExtension[],
  supported: readonly SdpHeaderExtension[],
): SdpHeaderExtension[] {
  return offered
    .filter((e) => supported.some((s) => s.uri === e.uri))
    .map((e) => ({ id: e.id, uri: e.uri }));
}

/** Who sends on a section: the `a=msid`, `a=ssrc` and RTX lines of one sender. */
export interface RtpSender {
  /** The MediaStream ids (`-` for none), the `a=msid` lines (RFC 8830). */
  readonly streamIds: readonly string[];
  /** The MediaStreamTrack id. */
  readonly trackId: string;
  /** RTCP CNAME (RFC 7022), the same for every stream of a connection. */
  readonly cname: string;
  /** The SSRC of the media, and of its RTX stream when RTX is negotiated. */
  readonly ssrc: number;
  readonly rtxSsrc?: number | undefined;
}

/** One audio or video section as this side describes it (a transceiver's view). */
export interface LocalRtpSection {
  readonly kind: 'audio' | 'video';
  readonly mid: string;
  readonly direction: SdpDirection;
  /** In preference order, with the payload types of this description. */
  readonly codecs: readonly SdpCodec[];
  readonly headerExtensions: readonly SdpHeaderExtension[];
  /** Present when the transceiver has a sender that sends. */
  readonly sender?: RtpSender | undefined;
  /** Simulcast send layers (`a=rid ... send` and `a=simulcast:send`, RFC 8853). */
  readonly sendRids?: readonly string[] | undefined;
  /** Simulcast receive layers we accept (an answer to a simulcast offer). */
  readonly receiveRids?: readonly SdpRid[] | undefined;
}

/** What a section needs of the transport part of its description. */
export interface SectionTransport {
  readonly port: number;
  readonly address: string;
}

/** The m= section of {@link LocalRtpSection}, without transport attributes (jsep.ts adds them). */
export function rtpSection(local: LocalRtpSection, transport: SectionTransport): SdpMediaSection {
  const sender =
    local.direction === 'sendrecv' || local.direction === 'sendonly' ? local.sender : undefined;
  // RFC 8853 simulcast: the layers are told apart by their RID (RFC 8852), each with SSRCs
  // of its own that no `a=ssrc` line names (as browsers write it): one sender SSRC would
  // route every layer to one stream at a receiver that reads the lines first.
  const ssrcSender = (local.sendRids?.length ?? 0) > 1 ? undefined : sender;
  const media: RtpMedia = {
    codecs: local.codecs,
    headerExtensions: local.headerExtensions,
    ssrcs:
      ssrcSender === undefined
        ? []
        : [ssrcSender.ssrc, ...(ssrcSender.rtxSsrc !== undefined ? [ssrcSender.rtxSsrc] : [])].map(
            (ssrc) => ({
              ssrc,
              cname: ssrcSender.cname,
              attributes: [{ name: 'cname', value: ssrcSender.cname }],
            }),
          ),
    ssrcGroups:
      ssrcSender?.rtxSsrc === undefined
        ? []
        : [{ semantics: 'FID', ssrcs: [ssrcSender.ssrc, ssrcSender.rtxSsrc] }],
    // RFC 8830 §2: one a=msid per stream the track is in; "-" when in none.
    msids:
      sender === undefined
        ? []
        : (sender.streamIds.length > 0 ? sender.streamIds : ['-']).map((stream) => ({
            stream,
            track: sender.trackId,
          })),
    rids: [
      ...(local.sendRids ?? []).map((id) => ({ id, direction: 'send' as const, restrictions: {} })),
      ...(local.receiveRids ?? []),
    ],
    ...(simulcastOf(local) !== undefined ? { simulcast: simulcastOf(local) } : {}),
    rtcpMux: true,
    rtcpReducedSize: true,
  };
  return {
    kind: local.kind,
    port: transport.port,
    protocol: RTP_PROTOCOL,
    formats: local.codecs.map((c) => String(c.payloadType)),
    connection: {
      netType: 'IN',
      addrType: transport.address.includes(':') ? 'IP6' : 'IP4',
      address: transport.address,
    },
    mid: local.mid,
    direction: local.direction,
    candidates: [],
    otherLines: [],
    attributes: rtpMediaAttributes(media),
  };
}

function simulcastOf(local: LocalRtpSection): SdpSimulcast | undefined {
  const send = local.sendRids ?? [];
  const recv = local.receiveRids ?? [];
  if (send.length < 2 && recv.length < 2) return undefined;
  return {
    ...(send.length > 1 ? { send: send.map((rid) => [{ rid, paused: false }]) } : {}),
    ...(recv.length > 1 ? { recv: recv.map((r) => [{ rid: r.id, paused: false }]) } : {}),
  };
}

/** An audio or video section of a remote description, read. */
export interface RemoteRtpSection {
  readonly index: number;
  readonly kind: 'audio' | 'video';
  readonly mid: string | undefined;
  /** The section's direction as the remote wrote it (`sendrecv` when absent, RFC 3264 §5.1). */
  readonly direction: SdpDirection;
  readonly rejected: boolean;
  readonly media: RtpMedia;
  /** ICE, DTLS and candidates in effect for the section (its own or its BUNDLE tag's). */
  readonly transport: ReturnType<typeof effectiveTransport>;
}

/**
 * The audio and video sections of a remote description, each read with its RTP attributes,
 * or the first malformed one (JSEP §5.8: reject the description with an sdp-syntax-error).
 * Sections of other kinds or protocols (application, a protocol we cannot answer) are left out.
 */
export function remoteRtpSections(
  description: SessionDescription,
): RemoteRtpSection[] | (RtpMediaProblem & { readonly index: number }) {
  const out: RemoteRtpSection[] = [];
  for (const [index, section] of description.media.entries()) {
    if (!isRtpSection(section)) continue;
    const rejected = isRejected(section);
    const media = readRtpMedia(section);
    if (isRtpMediaProblem(media)) {
      if (rejected) continue; // nothing of a rejected section is used
      return { ...media, index };
    }
    out.push({
      index,
      kind: section.kind as 'audio' | 'video',
      mid: section.mid,
      direction: section.direction ?? sessionDirection(description) ?? 'sendrecv',
      rejected,
      media,
      transport: effectiveTransport(description, section),
    });
  }
  return out;
}

/** A session-level direction attribute (RFC 8866 §6.7: the default of every section). */
function sessionDirection(description: SessionDescription): SdpDirection | undefined {
  for (const a of description.attributes) {
    if (
      a.name === 'sendrecv' ||
      a.name === 'sendonly' ||
      a.name === 'recvonly' ||
      a.name === 'inactive'
    )
      return a.name;
  }
  return undefined;
}

/** True when {@link remoteRtpSections} found a malformed section. */
export function isRemoteRtpProblem(
  result: ReturnType<typeof remoteRtpSections>,
): result is RtpMediaProblem & { readonly index: number } {
  return !Array.isArray(result);
}

/**
 * What we answer for one offered RTP section (JSEP §5.3.1): the codecs we support of the
 * offer (its payload types, in its order or our codec preferences'; RTX kept when its codec
 * is), the extensions we
 * understand (its ids), the direction from the offer's and ours; `undefined` when no codec
 * matches (the section is then rejected).
 */
export function answerRtpSection(
  offered: RemoteRtpSection,
  local: {
    readonly mid: string;
    readonly direction: SdpDirection;
    readonly sender?: RtpSender | undefined;
    /** Our codec preferences (`setCodecPreferences`); default all of {@link AUDIO_CODECS}/{@link VIDEO_CODECS}. */
    readonly codecs?: readonly SdpCodec[];
    /** The rids of our sender's encodings, when it sends simulcast. */
    readonly sendRids?: readonly string[];
  },
): LocalRtpSection | undefined {
  const supported = local.codecs ?? (offered.kind === 'audio' ? AUDIO_CODECS : VIDEO_CODECS);
  // JSEP §5.3.1: with codec preferences set, the answer lists the codecs in their order.
  const codecs = answerCodecs(
    offered.media.codecs,
    supported,
    local.codecs !== undefined ? 'preferences' : 'offer',
  );
  // Nothing but RTX or telephone events in common: no codec to carry the track.
  if (codecs.every((c) => c.name.toLowerCase() === 'rtx' || isTelephoneEvent(c))) return undefined;
  const dir = answerDirection(offered.direction, local.direction);
  const rtx = codecs.some((c) => c.name.toLowerCase() === 'rtx');
  // RFC 8853 §5.3: the answerer reverses the offered simulcast; we receive the send layers.
  const offeredSendRids = offered.media.rids.filter((r) => r.direction === 'send');
  const receiveRids =
    offered.media.simulcast?.send !== undefined && receives(dir)
      ? offeredSendRids.map((r) => ({ id: r.id, direction: 'recv' as const, restrictions: {} }))
      : [];
  // RFC 8853 §5.3: our layers that the offerer receives (its `a=simulcast:recv`), in its order.
  const offeredRecv = (offered.media.simulcast?.recv ?? []).flatMap((alt) => alt.map((a) => a.rid));
  const sendRids = sends(dir)
    ? offeredRecv.filter((rid) => local.sendRids?.includes(rid) === true)
    : [];
  return {
    kind: offered.kind,
    mid: local.mid,
    direction: dir,
    codecs,
    headerExtensions: answerHeaderExtensions(
      offered.media.headerExtensions,
      HEADER_EXTENSIONS[offered.kind],
    ),
    ...(local.sender !== undefined && sends(dir)
      ? {
          sender: rtx ? local.sender : { ...local.sender, rtxSsrc: undefined },
        }
      : {}),
    ...(receiveRids.length > 1 ? { receiveRids } : {}),
    ...(sendRids.length > 1 ? { sendRids } : {}),
  };
}
