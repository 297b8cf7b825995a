/**
 * The URIs of the header extensions this package reads (RFC 8285 §5: `a=extmap:<id> <uri>`),
 * and a map from a session's negotiated ids to them. Ids are per session, so the typed
 * accessors take an id; {@link rtpExtensionIds} turns the SDP's extmap lines into one object.
 */

/** The well-known header extension URIs, keyed by the names {@link RtpExtensionIds} uses. */
export const RtpExtensionUri = {
  /** RFC 9143 §15 (BUNDLE): the media identification of the m-line. */
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  /** RFC 8852 §3.1: RtpStreamId, the simulcast layer's rid. */
  rid: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  /** RFC 8852 §3.2: RepairedRtpStreamId, the rid a repair stream (RTX, FEC) protects. */
  repairedRid: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
  /** 24-bit 6.18 fixed-point send time, for REMB (webrtc.org abs-send-time). */
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  /** draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: 16-bit transport-wide sequence number. */
  transportSequenceNumber:
    'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  /** RFC 6464: client-to-mixer audio level (V bit and level in −dBov). */
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  /** 3GPP TS 26.114 §7.4.5: coordination of video orientation (C, F, R bits). */
  videoOrientation: 'urn:3gpp:video-orientation',
  /** webrtc.org playout-delay: minimum and maximum playout delay in 10 ms units. */
  playoutDelay: 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
} as const;

/** The name of a well-known header extension (a key of {@link RtpExtensionUri}). */
export type RtpExtensionName = keyof typeof RtpExtensionUri;

/**
 * The ids a session negotiated for the well-known extensions, e.g. `{ mid: 1, absSendTime: 2 }`;
 * an extension that was not negotiated is absent. Typed accessors accept `ids.mid` directly and
 * return `undefined` when it is.
 */
export type RtpExtensionIds = { readonly [K in RtpExtensionName]?: number };

/** One `a=extmap` line (RFC 8285 §5): an id and a URI. */
export interface RtpExtmap {
  readonly id: number;
  readonly uri: string;
}

const byUri: ReadonlyMap<string, RtpExtensionName> = new Map(
  Object.entries(RtpExtensionUri).map(([name, uri]) => [uri, name as RtpExtensionName]),
);

/**
 * The {@link RtpExtensionIds} of a session from its extmap lines, or from an object of
 * URI → id. URIs this package does not know are ignored; for a URI given twice the first id wins.
 */
export function rtpExtensionIds(
  extmap: Iterable<RtpExtmap> | Readonly<Record<string, number>>,
): RtpExtensionIds {
  const out: { [K in RtpExtensionName]?: number } = {};
  const entries: Iterable<RtpExtmap> =
    Symbol.iterator in extmap
      ? (extmap as Iterable<RtpExtmap>)
      : Object.entries(extmap as Record<string, number>).map(([uri, id]) => ({ id, uri }));
  for (const { id, uri } of entries) {
    const name = byUri.get(uri);
    if (name !== undefined && out[name] === undefined) out[name] = id;
  }
  return out;
}
