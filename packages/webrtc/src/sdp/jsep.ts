/**
 * JSEP (RFC 9429): building the offer and the answer of a session with a data channel
 * (RFC 8841) and audio and video sections (`jsep-media.ts`), all on one BUNDLE transport, and
 * reading the remote data channel parameters out of a parsed description.
 */
import {
  type LocalRtpSection,
  type RemoteRtpSection,
  remoteRtpSections,
  isRemoteRtpProblem,
  rtpSection,
} from './jsep-media.js';

import type {
  SdpConnection,
  SdpFingerprint,
  SdpMediaSection,
  SdpSetup,
  SessionDescription,
} from './model.js';
import { bundleGroupOf, effectiveTransport, isRejected } from './validate.js';

/** Our `a=tool` (RFC 8866 §6.3). */
export const SDP_TOOL = 'x-webrtc';

/** True when `description` was written by this stack (its `a=tool`). */
export function writtenByUs(description: SessionDescription): boolean {
  return description.attributes.some(
    (a) =>
      a.name === 'tool' && (a.value === SDP_TOOL || a.value?.startsWith(`${SDP_TOOL} `) === true),
  );
}

/** RFC 8841 §4.1: the protocol of a data channel m= section over UDP (and TCP). */
export const DATA_CHANNEL_PROTOCOLS = ['UDP/DTLS/SCTP', 'TCP/DTLS/SCTP'] as const;
/** The legacy protocol of draft-ietf-mmusic-sctp-sdp-05, still sent by old peers. */
export const LEGACY_DATA_CHANNEL_PROTOCOL = 'DTLS/SCTP';
/** RFC 8841 §5: the default SCTP port. */
export const DEFAULT_SCTP_PORT = 5000;
/** RFC 8841 §6: the value assumed when a=max-message-size is absent. */
export const DEFAULT_REMOTE_MAX_MESSAGE_SIZE = 65536;
/** What this stack announces by default (the value libwebrtc and libdatachannel send). */
export const DEFAULT_LOCAL_MAX_MESSAGE_SIZE = 262144;

/** True when `section` describes a data channel this stack can accept. */
export function isDataChannelSection(section: SdpMediaSection): boolean {
  if (section.kind !== 'application') return false;
  if ((DATA_CHANNEL_PROTOCOLS as readonly string[]).includes(section.protocol)) {
    return section.formats.includes('webrtc-datachannel');
  }
  // Legacy: "m=application <port> DTLS/SCTP 5000" with a=sctpmap:5000 webrtc-datachannel.
  return (
    section.protocol === LEGACY_DATA_CHANNEL_PROTOCOL &&
    (section.sctpMap === undefined || section.sctpMap.protocol === 'webrtc-datachannel')
  );
}

/** The data channel parameters of a remote description. */
export interface RemoteDataChannel {
  /** Index of the m= section. */
  readonly index: number;
  readonly mid: string | undefined;
  readonly iceUfrag: string | undefined;
  readonly icePwd: string | undefined;
  readonly iceOptions: readonly string[];
  /** `a=ice-options:trickle` present (RFC 8840 §4.1.1). */
  readonly trickle: boolean;
  readonly iceLite: boolean;
  readonly fingerprints: readonly SdpFingerprint[];
  /** The remote `a=setup`, with RFC 4145 §4 defaults applied when absent. */
  readonly setup: SdpSetup;
  /** The remote SCTP port (RFC 8841 §5; sctpmap's port for legacy offers). */
  readonly sctpPort: number;
  /** The remote max-message-size; 0 means no limit (RFC 8841 §6). */
  readonly maxMessageSize: number;
  /** `candidate:...` strings. */
  readonly candidates: readonly string[];
  readonly endOfCandidates: boolean;
  /** True for the legacy `DTLS/SCTP` format. */
  readonly legacy: boolean;
  /** The m= port and c= address, the default candidate (RFC 8839 §4.2.1.2). */
  readonly port: number;
  readonly connection: SdpConnection | undefined;
}

/**
 * The first data channel section of `description` that is not rejected, or undefined.
 * `type` gives the RFC 4145 §4 default of a missing `a=setup` (offer: active, answer: passive).
 */
export function remoteDataChannel(
  description: SessionDescription,
  type: 'offer' | 'answer' | 'pranswer',
): RemoteDataChannel | undefined {
  const index = description.media.findIndex((m) => isDataChannelSection(m) && !isRejected(m));
  if (index < 0) return undefined;
  const section = description.media[index] as SdpMediaSection;
  const t = effectiveTransport(description, section);
  const legacy = section.protocol === LEGACY_DATA_CHANNEL_PROTOCOL;
  const legacyPort = section.sctpMap?.port ?? Number(section.formats[0]);
  return {
    index,
    mid: section.mid,
    iceUfrag: t.iceUfrag,
    icePwd: t.icePwd,
    iceOptions: t.iceOptions,
    trickle: t.iceOptions.includes('trickle'),
    iceLite: t.iceLite,
    fingerprints: t.fingerprints,
    setup: t.setup ?? (type === 'offer' ? 'active' : 'passive'),
    sctpPort:
      section.sctpPort ?? (legacy && Number.isInteger(legacyPort) ? legacyPort : DEFAULT_SCTP_PORT),
    maxMessageSize: section.maxMessageSize ?? DEFAULT_REMOTE_MAX_MESSAGE_SIZE,
    candidates: t.candidates,
    endOfCandidates: t.endOfCandidates,
    legacy,
    port: section.port,
    connection: section.connection ?? description.connection,
  };
}

/** What this side puts in its description, offer or answer. */
export interface LocalDescriptionParameters {
  /** `o=` session id: decimal, at most 63 bits (RFC 9429 §5.2.1). */
  readonly sessionId: string;
  /** `o=` session version, incremented on each new description (RFC 9429 §5.2.2). */
  readonly sessionVersion: string;
  readonly iceUfrag: string;
  readonly icePwd: string;
  /** Our ICE options (default `['trickle']`). */
  readonly iceOptions?: readonly string[];
  readonly iceLite?: boolean;
  /** One per certificate (RFC 8842 §5.1). */
  readonly fingerprints: readonly SdpFingerprint[];
  readonly sctpPort?: number;
  /** Default {@link DEFAULT_LOCAL_MAX_MESSAGE_SIZE}. */
  readonly maxMessageSize?: number;
  /** `candidate:...` strings gathered so far. */
  readonly candidates?: readonly string[];
  /** Gathering is complete (RFC 8840 §8.2). */
  readonly endOfCandidates?: boolean;
  /**
   * The default candidate's port and address for m= and c= (RFC 8839 §4.2.1.2); without
   * one, port 9 and 0.0.0.0 (RFC 8840 §4.1.1).
   */
  readonly defaultCandidate?: { readonly port: number; readonly address: string };
}

/**
 * One m= section of an offer, in m-line order: the data channel, an audio or video section
 * (a transceiver), or a stopped transceiver's section (port 0, JSEP §5.2.2).
 */
export type OfferSection =
  | { readonly kind: 'application'; readonly mid: string }
  | LocalRtpSection
  | {
      readonly kind: 'audio' | 'video' | 'application';
      readonly mid: string;
      readonly stopped: true;
      /** The formats it had, kept in the rejected m= line. */
      readonly formats?: readonly string[];
      /** The protocol it had (default `UDP/TLS/RTP/SAVPF`, or the data channel's for `application`). */
      readonly protocol?: string;
      /** Also write `a=inactive`, as browsers do for a stopped transceiver's section. */
      readonly inactive?: boolean;
    };

/** Parameters of {@link buildOffer}. */
export interface OfferParameters extends LocalDescriptionParameters {
  /** The data section's mid (default "0"), when `sections` is not given. */
  readonly mid?: string;
  /** Every m= section in order; default the data section alone. */
  readonly sections?: readonly OfferSection[];
  /** Default actpass, as RFC 8842 §5.2 requires of an offerer. */
  readonly setup?: SdpSetup;
  /** Add `a=group:BUNDLE <mid>` (default true, RFC 8843; JSEP's max-bundle). */
  readonly bundle?: boolean;
}

function connectionFor(p: LocalDescriptionParameters): SdpConnection {
  const address = p.defaultCandidate?.address ?? '0.0.0.0';
  return { netType: 'IN', addrType: address.includes(':') ? 'IP6' : 'IP4', address };
}

function session(
  p: LocalDescriptionParameters,
  media: SdpMediaSection[],
  bundle: readonly string[] | undefined,
): SessionDescription {
  return {
    version: 0,
    origin: {
      username: '-',
      sessionId: p.sessionId,
      sessionVersion: p.sessionVersion,
      netType: 'IN',
      addrType: 'IP4',
      address: '127.0.0.1',
    },
    sessionName: '-',
    timing: { start: '0', stop: '0' },
    groups: bundle === undefined ? [] : [{ semantics: 'BUNDLE', mids: bundle }],
    ...(p.iceLite === true ? { iceLite: true } : {}),
    otherLines: [],
    // RFC 8866 §6.3 `a=tool`: names this stack, so that another of ours knows it may offer
    // what only this stack is known to take (RFC 9653 zero checksums in SCTP's INIT).
    attributes: [
      { name: 'msid-semantic', value: 'WMS *' },
      { name: 'tool', value: SDP_TOOL },
    ],
    media,
  };
}

function dataSection(
  p: LocalDescriptionParameters,
  mid: string | undefined,
  setup: SdpSetup,
  legacy: boolean,
): SdpMediaSection {
  const sctpPort = p.sctpPort ?? DEFAULT_SCTP_PORT;
  return {
    kind: 'application',
    port: p.defaultCandidate?.port ?? 9,
    protocol: legacy ? LEGACY_DATA_CHANNEL_PROTOCOL : 'UDP/DTLS/SCTP',
    formats: legacy ? [String(sctpPort)] : ['webrtc-datachannel'],
    connection: connectionFor(p),
    ...(mid === undefined ? {} : { mid }),
    iceUfrag: p.iceUfrag,
    icePwd: p.icePwd,
    iceOptions: p.iceOptions ?? ['trickle'],
    fingerprints: p.fingerprints,
    setup,
    ...(legacy
      ? { sctpMap: { port: sctpPort, protocol: 'webrtc-datachannel', streams: 1024 } }
      : { sctpPort }),
    maxMessageSize: p.maxMessageSize ?? DEFAULT_LOCAL_MAX_MESSAGE_SIZE,
    candidates: p.candidates ?? [],
    ...(p.endOfCandidates === true ? { endOfCandidates: true } : {}),
    otherLines: [],
    attributes: [],
  };
}

/** The ICE and DTLS attributes of every section we write (JSEP §5.2.1: each m= section carries them). */
function withTransport(
  p: LocalDescriptionParameters,
  section: SdpMediaSection,
  setup: SdpSetup,
): SdpMediaSection {
  return {
    ...section,
    port: p.defaultCandidate?.port ?? 9,
    connection: connectionFor(p),
    iceUfrag: p.iceUfrag,
    icePwd: p.icePwd,
    iceOptions: p.iceOptions ?? ['trickle'],
    fingerprints: p.fingerprints,
    setup,
    candidates: p.candidates ?? [],
    ...(p.endOfCandidates === true ? { endOfCandidates: true } : {}),
  };
}

function stoppedSection(
  kind: string,
  mid: string,
  formats: readonly string[],
  protocol: string,
  inactive: boolean,
): SdpMediaSection {
  const section = rejected({
    kind,
    port: 0,
    protocol,
    formats,
    mid,
    candidates: [],
    otherLines: [],
    attributes: [],
  });
  return inactive ? { ...section, direction: 'inactive' } : section;
}

/**
 * Builds an offer (RFC 9429 §5.2.1, §5.2.2): each section of `sections` in order (default the
 * data section alone, RFC 8841 §4), stopped ones with port 0, the others in one BUNDLE group.
 */
export function buildOffer(p: OfferParameters): SessionDescription {
  const setup = p.setup ?? 'actpass';
  const plan: readonly OfferSection[] = p.sections ?? [{ kind: 'application', mid: p.mid ?? '0' }];
  const bundle: string[] = [];
  const media = plan.map((s) => {
    if ('stopped' in s) {
      const protocol =
        s.protocol ?? (s.kind === 'application' ? 'UDP/DTLS/SCTP' : 'UDP/TLS/RTP/SAVPF');
      const formats = s.formats ?? [s.kind === 'application' ? 'webrtc-datachannel' : '0'];
      return stoppedSection(s.kind, s.mid, formats, protocol, s.inactive === true);
    }
    bundle.push(s.mid);
    if (s.kind === 'application') return dataSection(p, s.mid, setup, false);
    return withTransport(p, rtpSection(s, { port: 9, address: '0.0.0.0' }), setup);
  });
  return session(p, media, p.bundle === false || bundle.length === 0 ? undefined : bundle);
}

/** Parameters of {@link buildAnswer}. */
export interface AnswerParameters extends LocalDescriptionParameters {
  /**
   * Our role when the offer says actpass (RFC 8842 §5.3): `active` (the default, as browsers
   * do: this side becomes the DTLS client) or `passive`.
   */
  readonly preferredSetup?: 'active' | 'passive';
  /**
   * What we answer for an offered audio or video section (see `answerRtpSection` of
   * `jsep-media.ts`), or undefined to reject it. Without it every RTP section is rejected.
   */
  readonly rtp?: (offered: RemoteRtpSection) => LocalRtpSection | undefined;
}

/** The result of {@link buildAnswer}. */
export interface BuiltAnswer {
  readonly description: SessionDescription;
  /** The accepted data channel of the offer, or undefined when every section was rejected. */
  readonly remote: RemoteDataChannel | undefined;
  /** Our setup in the answer, when a section was accepted. */
  readonly setup: 'active' | 'passive' | undefined;
  /** The audio and video sections accepted, each with what we answered. */
  readonly rtp: readonly { readonly offered: RemoteRtpSection; readonly answer: LocalRtpSection }[];
}

/** The answerer's `a=setup` for an offered one (RFC 8842 §5.3, RFC 4145 §4). */
export function answerSetup(
  offered: SdpSetup,
  preferred: 'active' | 'passive' = 'active',
): 'active' | 'passive' | undefined {
  switch (offered) {
    case 'actpass':
      return preferred;
    case 'active':
      return 'passive';
    case 'passive':
      return 'active';
    case 'holdconn':
      return undefined;
  }
}

/** This side's DTLS role for its own setup attribute (RFC 8842 §5: active is the client). */
export function dtlsRoleForSetup(setup: 'active' | 'passive'): 'client' | 'server' {
  return setup === 'active' ? 'client' : 'server';
}

function rejected(offered: SdpMediaSection): SdpMediaSection {
  // RFC 9429 §5.3.1 / RFC 3264 §6: a rejected m= section keeps its kind, protocol and
  // formats with port 0; the mid stays so that the sections still line up (RFC 8843 §7.3.3).
  return {
    kind: offered.kind,
    port: 0,
    protocol: offered.protocol,
    formats: offered.formats.length > 0 ? offered.formats : ['0'],
    connection: { netType: 'IN', addrType: 'IP4', address: '0.0.0.0' },
    ...(offered.mid === undefined ? {} : { mid: offered.mid }),
    candidates: [],
    otherLines: [],
    attributes: [],
  };
}

/**
 * Builds the answer to a (validated) offer (RFC 9429 §5.3.1). The first data channel section
 * that is not rejected is accepted (with the offer's mid and format, including the legacy
 * `DTLS/SCTP` one); audio and video sections are accepted when `p.rtp` answers them and they
 * can share our one transport (in the offer's BUNDLE group, or the only section offered);
 * every other section is rejected with port 0 and its mid. A bundle-only section (RFC 8843
 * §6) is accepted with a real port. The answer's BUNDLE group lists the accepted mids the
 * offer bundled (RFC 8843 §7.3); our `a=setup` answers the first accepted section's.
 */
export function buildAnswer(offer: SessionDescription, p: AnswerParameters): BuiltAnswer {
  const remote = remoteDataChannel(offer, 'offer');
  const rtpOffered = p.rtp === undefined ? [] : remoteRtpSections(offer);
  const offeredRtp = isRemoteRtpProblem(rtpOffered) ? [] : rtpOffered;
  const group = offer.groups.find((g) => g.semantics === 'BUNDLE');
  const canShare = (mid: string | undefined): boolean =>
    group === undefined ? offer.media.length === 1 : mid !== undefined && group.mids.includes(mid);
  const accepted = new Map<number, LocalRtpSection>();
  const rtp: { offered: RemoteRtpSection; answer: LocalRtpSection }[] = [];
  for (const offered of offeredRtp) {
    if (offered.rejected || !canShare(offered.mid)) continue;
    const answer = p.rtp?.(offered);
    if (answer === undefined) continue;
    accepted.set(offered.index, answer);
    rtp.push({ offered, answer });
  }
  // Our setup answers the offer's (the data section's, else the first accepted RTP section's).
  const firstRtp = rtp[0]?.offered;
  const offeredSetup =
    remote?.setup ?? (firstRtp === undefined ? undefined : (firstRtp.transport.setup ?? 'active'));
  const setup =
    offeredSetup === undefined ? undefined : answerSetup(offeredSetup, p.preferredSetup);
  const bundle: string[] = [];
  const media = offer.media.map((section, index) => {
    if (setup !== undefined && remote !== undefined && index === remote.index) {
      if (bundleGroupOf(offer, remote.mid) !== undefined) bundle.push(remote.mid as string);
      return dataSection(p, section.mid, setup, remote.legacy);
    }
    const answer = accepted.get(index);
    if (setup === undefined || answer === undefined) return rejected(section);
    if (group !== undefined) bundle.push(answer.mid);
    return withTransport(p, rtpSection(answer, { port: 9, address: '0.0.0.0' }), setup);
  });
  return {
    description: session(p, media, bundle.length > 0 ? bundle : undefined),
    remote: setup !== undefined ? remote : undefined,
    setup,
    rtp: setup !== undefined ? rtp : [],
  };
}
