/**
 * What `RTCPeerConnection` reads out of a remote description: the transport its sections
 * share (the BUNDLE tag's ICE and DTLS attributes, RFC 8843, RFC 8839, RFC 8842), the data
 * channel section (RFC 8841) and the audio and video sections (`sdp/jsep-media.ts`).
 * Parsing and validation are `sdp/`'s; our own descriptions are written by `sdp/jsep.ts`.
 */
import { SdpSyntaxError } from './sdp/errors.js';
import { isRemoteRtpProblem, type RemoteRtpSection, remoteRtpSections } from './sdp/jsep-media.js';
import { isDataChannelSection, writtenByUs } from './sdp/jsep.js';
import type { SdpMediaSection, SdpSetup, SessionDescription } from './sdp/model.js';
import { mediaLineNumber, parseSdp } from './sdp/parse.js';
import { effectiveTransport, isRejected, validateDescription } from './sdp/validate.js';

/** The transport of a remote description: its BUNDLE tag section's ICE and DTLS attributes. */
export interface RemoteTransport {
  /** Index and mid of the section that carries the transport (the BUNDLE tag). */
  readonly index: number;
  readonly mid: string;
  /** Indexes of every accepted section bundled on it. */
  readonly bundled: readonly number[];
  readonly ufrag: string;
  readonly pwd: string;
  readonly iceLite: boolean;
  readonly fingerprints: readonly { readonly algorithm: string; readonly value: string }[];
  readonly setup: SdpSetup | undefined;
  readonly candidates: readonly string[];
  readonly endOfCandidates: boolean;
}

/** The data channel section of a remote description. */
export interface RemoteDataSection {
  readonly index: number;
  readonly mid: string;
  readonly sctpPort: number;
  /** 0: no limit; 65 536 when absent (RFC 8841 §6.1). */
  readonly maxMessageSize: number;
  /**
   * The description is ours (`a=tool:x-webrtc`): SCTP may offer RFC 9653 zero checksums, and
   * offer the whole receive window (the peer does not overrun its own send path).
   */
  readonly writtenByUs: boolean;
}

/** What a remote description says. */
export interface RemoteDescriptionInfo {
  readonly parsed: SessionDescription;
  /** The transport, when a section is not rejected. */
  readonly transport: RemoteTransport | undefined;
  readonly data: RemoteDataSection | undefined;
  /** The audio and video sections (rejected ones too). */
  readonly rtp: readonly RemoteRtpSection[];
}

/**
 * Reads a remote description; throws `SdpSyntaxError` for text or an RTP section that is
 * malformed, `SdpInvalidError` for one that cannot be used.
 */
export function readDescription(
  sdp: string,
  type: 'offer' | 'answer' | 'pranswer',
): RemoteDescriptionInfo {
  const description = parseSdp(sdp);
  const errors = validateDescription(description, type);
  if (errors.length > 0) throw errors[0]!;
  const rtp = remoteRtpSections(description);
  if (isRemoteRtpProblem(rtp)) {
    const section = description.media[rtp.index]!;
    throw new SdpSyntaxError(
      'bad-attribute',
      mediaLineNumber(section),
      `a=${rtp.attribute}`,
      `media section ${rtp.index}: a=${rtp.attribute}: ${rtp.reason}`,
    );
  }
  let data: RemoteDataSection | undefined;
  const dataIndex = description.media.findIndex((m) => isDataChannelSection(m) && !isRejected(m));
  if (dataIndex >= 0) {
    const section = description.media[dataIndex]!;
    data = {
      index: dataIndex,
      mid: section.mid ?? String(dataIndex),
      sctpPort: section.sctpPort ?? section.sctpMap?.port ?? (Number(section.formats[0]) || 5000),
      maxMessageSize: section.maxMessageSize ?? 65_536,
      writtenByUs: writtenByUs(description),
    };
  }
  return { parsed: description, transport: transportOf(description), data, rtp };
}

/**
 * RFC 8843 §7: the sections of the BUNDLE group that are not rejected share the transport of
 * the first of them (the tag); without a group, the data section's (or a lone section's).
 * Also what carries our own candidates, in our descriptions (`JsepState.transportSection()`).
 */
export function bundledSections(
  description: SessionDescription,
): { readonly section: SdpMediaSection; readonly index: number }[] {
  const group = description.groups.find((g) => g.semantics === 'BUNDLE');
  const accepted = description.media
    .map((section, index) => ({ section, index }))
    .filter(({ section }) => !isRejected(section));
  const bundled = group
    ? accepted.filter(
        ({ section }) => section.mid !== undefined && group.mids.includes(section.mid),
      )
    : [];
  if (bundled.length > 0) return bundled;
  const data = accepted.find(({ section }) => isDataChannelSection(section));
  const lone = accepted.length === 1 ? accepted[0] : undefined;
  const only = data ?? lone;
  return only ? [only] : [];
}

function transportOf(description: SessionDescription): RemoteTransport | undefined {
  const bundled = bundledSections(description);
  const tag = bundled[0];
  if (tag === undefined) return undefined;
  const t = effectiveTransport(description, tag.section);
  return {
    index: tag.index,
    mid: tag.section.mid ?? String(tag.index),
    bundled: bundled.map((b) => b.index),
    ufrag: t.iceUfrag!,
    pwd: t.icePwd!,
    iceLite: t.iceLite,
    fingerprints: t.fingerprints.map((f) => ({ algorithm: f.algorithm, value: f.value })),
    setup: t.setup,
    candidates: t.candidates,
    endOfCandidates: t.endOfCandidates,
  };
}
