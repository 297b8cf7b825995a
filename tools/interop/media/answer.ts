/**
 * A hand-written SDP answer to Chromium's audio+video offer, for a Manager that only receives:
 * one BUNDLE transport, each offered section accepted `recvonly` with one codec (the first of
 * the offer's that is Opus for audio, the wanted codec for video), the MID header extension
 * with the offer's id and nothing else, `rtcp-mux`, `a=setup:active` (we are the DTLS client)
 * or `passive` (Chromium is), our ICE credentials, fingerprint and candidates. Only what RFC 8829/9429 needs for media to
 * flow; the offer is read with the SDP module of @x/webrtc (its RTP attributes typed by
 * readRtpMedia).
 */
import {
  parseSdp,
  type RtpMedia,
  readRtpMedia,
  type SdpCodec,
  type SdpMediaSection,
} from '../../../packages/webrtc/src/sdp/index.js';

export const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';

/** What the answer accepted for one section. */
export interface AcceptedSection {
  readonly mid: string;
  readonly kind: 'audio' | 'video';
  readonly codec: SdpCodec;
  /** The RTX codec repairing it (RFC 4588), when the answer accepted one. */
  readonly rtx?: SdpCodec | undefined;
  /** The SSRCs the offer signaled for this section (`a=ssrc`). */
  readonly ssrcs: readonly number[];
  /** Every `a=extmap` of the offer's section, for the report. */
  readonly extensions: RtpMedia['headerExtensions'];
}

export interface MediaAnswer {
  readonly sdp: string;
  readonly sections: readonly AcceptedSection[];
  /** The MID header extension's id in the offer (one id across BUNDLE, RFC 8843 §9.2). */
  readonly midExtensionId: number;
  /** The offer's ICE credentials and fingerprints, for `Manager.start`. */
  readonly remote: {
    readonly ufrag: string;
    readonly pwd: string;
    readonly fingerprints: readonly { algorithm: string; value: string }[];
  };
  /** The offer's `a=candidate` values. */
  readonly candidates: readonly string[];
}

export interface AnswerParameters {
  readonly ufrag: string;
  readonly pwd: string;
  readonly fingerprints: readonly { algorithm: string; value: string }[];
  /** `candidate:...` strings. */
  readonly candidates: readonly string[];
  /** RFC 8842: `active` makes us the DTLS client, `passive` the server. */
  readonly setup: 'active' | 'passive';
  /** The video codec to accept: its encoding name, and for H.264 the fmtp it must carry. */
  readonly video: { readonly name: string; readonly fmtp?: Readonly<Record<string, string>> };
  /**
   * Accept everything the offer's sections offer for the chosen codecs instead of the minimum:
   * every header extension (and `a=extmap-allow-mixed`), every feedback type, and RTX.
   */
  readonly full?: boolean;
}

const FEEDBACK = new Set(['nack', 'ccm']); // NACK, PLI and FIR: what a receiver answers with

function chooseCodec(media: RtpMedia, kind: string, p: AnswerParameters): SdpCodec {
  const wanted = kind === 'audio' ? { name: 'opus' } : p.video;
  const codec = media.codecs.find(
    (c) =>
      c.name.toLowerCase() === wanted.name.toLowerCase() &&
      Object.entries(wanted.fmtp ?? {}).every(([k, v]) => c.parameters[k] === v),
  );
  if (codec === undefined)
    throw new Error(`the offer's ${kind} section has no ${wanted.name} ${JSON.stringify(wanted)}`);
  return codec;
}

/** Builds the answer; throws when the offer lacks what the answer needs. */
export function buildMediaAnswer(offerSdp: string, p: AnswerParameters): MediaAnswer {
  const offer = parseSdp(offerSdp);
  const media = offer.media.filter((m) => m.kind === 'audio' || m.kind === 'video');
  const first = media[0];
  if (first === undefined) throw new Error('the offer has no audio or video section');
  const transport = (m: SdpMediaSection) => ({
    ufrag: m.iceUfrag ?? offer.iceUfrag,
    pwd: m.icePwd ?? offer.icePwd,
    fingerprints: m.fingerprints?.length ? m.fingerprints : (offer.fingerprints ?? []),
  });
  const t = transport(first);
  if (t.ufrag === undefined || t.pwd === undefined)
    throw new Error('the offer has no ICE credentials');
  const sections: AcceptedSection[] = [];
  let midExtensionId: number | undefined;
  const lines = [
    'v=0',
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${media.map((m) => m.mid).join(' ')}`,
    'a=msid-semantic: WMS',
    ...(p.full && offer.extmapAllowMixed === true ? ['a=extmap-allow-mixed'] : []),
  ];
  for (const section of media) {
    const rtp = readRtpMedia(section);
    if ('reason' in rtp) throw new Error(`offer ${rtp.attribute}: ${rtp.reason}`);
    const kind = section.kind as 'audio' | 'video';
    const codec = chooseCodec(rtp, kind, p);
    const mid = section.mid;
    if (mid === undefined) throw new Error(`the offer's ${kind} section has no a=mid`);
    const midExtension = rtp.headerExtensions.find((e) => e.uri === MID_URI);
    if (midExtension === undefined)
      throw new Error(`the offer's ${kind} section has no MID extmap`);
    midExtensionId = midExtension.id;
    const rtx = p.full
      ? rtp.codecs.find(
          (c) => c.name.toLowerCase() === 'rtx' && c.parameters.apt === `${codec.payloadType}`,
        )
      : undefined;
    const codecs = rtx === undefined ? [codec] : [codec, rtx];
    const extensions = p.full ? rtp.headerExtensions : [midExtension];
    sections.push({
      mid,
      kind,
      codec,
      rtx,
      ssrcs: rtp.ssrcs.map((s) => s.ssrc),
      extensions: rtp.headerExtensions,
    });
    lines.push(
      `m=${kind} 9 UDP/TLS/RTP/SAVPF ${codecs.map((c) => c.payloadType).join(' ')}`,
      'c=IN IP4 0.0.0.0',
      'a=rtcp:9 IN IP4 0.0.0.0',
      ...p.candidates.map((c) => `a=${c}`),
      'a=end-of-candidates',
      `a=ice-ufrag:${p.ufrag}`,
      `a=ice-pwd:${p.pwd}`,
      ...p.fingerprints.map((f) => `a=fingerprint:${f.algorithm} ${f.value}`),
      `a=setup:${p.setup}`,
      `a=mid:${mid}`,
      ...extensions.map((e) => `a=extmap:${e.id} ${e.uri}`),
      'a=recvonly',
      'a=rtcp-mux',
      ...(p.full ? ['a=rtcp-rsize'] : []),
      ...codecs.flatMap((c) => {
        const pt = c.payloadType;
        return [
          `a=rtpmap:${pt} ${c.name}/${c.clockRate}${c.channels ? `/${c.channels}` : ''}`,
          ...c.rtcpFeedback
            .filter((f) => p.full || FEEDBACK.has(f.type))
            .map((f) => `a=rtcp-fb:${pt} ${f.type}${f.parameter ? ` ${f.parameter}` : ''}`),
          ...(c.fmtp ? [`a=fmtp:${pt} ${c.fmtp}`] : []),
        ];
      }),
    );
  }
  return {
    sdp: `${lines.join('\r\n')}\r\n`,
    sections,
    midExtensionId: midExtensionId!,
    remote: { ufrag: t.ufrag, pwd: t.pwd, fingerprints: t.fingerprints },
    candidates: media.flatMap((m) => m.candidates),
  };
}
