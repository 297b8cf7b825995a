/**
 * What `RTCPeerConnection` reads from and writes into session descriptions: the data channel
 * m-line (RFC 8841) with its ICE (RFC 8839) and DTLS (RFC 8842, RFC 8122) attributes. Parsing
 * and validation are `sdp/`'s; this module picks out what the Manager needs, and writes the
 * local description (JSEP, RFC 9429 §5.2 and §5.3).
 */
import { parseSdp } from './sdp/parse.js';
import { effectiveTransport, isRejected, validateDescription } from './sdp/validate.js';

/** One m-line of a remote description, as an answer must mirror it. */
export interface RemoteMediaSection {
  readonly index: number;
  readonly mid: string | undefined;
  readonly kind: string;
  readonly protocol: string;
  readonly formats: readonly string[];
  /** True for the data channel section we use. */
  readonly data: boolean;
}

/** The data channel section of a remote description. */
export interface RemoteDataSection {
  readonly index: number;
  readonly mid: string;
  readonly ufrag: string;
  readonly pwd: string;
  readonly iceLite: boolean;
  readonly fingerprints: readonly { readonly algorithm: string; readonly value: string }[];
  readonly setup: 'actpass' | 'active' | 'passive' | 'holdconn' | undefined;
  readonly sctpPort: number;
  /** 0: no limit; 65 536 when absent (RFC 8841 §6.1). */
  readonly maxMessageSize: number;
  readonly candidates: readonly string[];
  readonly endOfCandidates: boolean;
}

/** What a remote description says. */
export interface RemoteDescriptionInfo {
  readonly media: readonly RemoteMediaSection[];
  readonly data: RemoteDataSection | undefined;
}

/** Reads a remote description; throws (with the line) when it is malformed or invalid. */
export function readDescription(
  sdp: string,
  type: 'offer' | 'answer' | 'pranswer',
): RemoteDescriptionInfo {
  const description = parseSdp(sdp);
  const errors = validateDescription(description, type);
  if (errors.length > 0) throw errors[0]!;
  let data: RemoteDataSection | undefined;
  const media = description.media.map((section, index) => {
    const isData =
      data === undefined &&
      !isRejected(section) &&
      section.kind === 'application' &&
      (section.protocol === 'UDP/DTLS/SCTP' ||
        section.protocol === 'DTLS/SCTP' ||
        section.protocol === 'TCP/DTLS/SCTP');
    if (isData) {
      const t = effectiveTransport(description, section);
      data = {
        index,
        mid: section.mid ?? String(index),
        ufrag: t.iceUfrag!,
        pwd: t.icePwd!,
        iceLite: t.iceLite,
        fingerprints: t.fingerprints.map((f) => ({ algorithm: f.algorithm, value: f.value })),
        setup: t.setup,
        sctpPort: section.sctpPort ?? section.sctpMap?.port ?? (Number(section.formats[0]) || 5000),
        maxMessageSize: section.maxMessageSize ?? 65_536,
        candidates: t.candidates,
        endOfCandidates: t.endOfCandidates,
      };
    }
    return {
      index,
      mid: section.mid,
      kind: section.kind,
      protocol: section.protocol,
      formats: section.formats,
      data: isData,
    };
  });
  return { media, data };
}

/** What the local description carries. */
export interface LocalDescriptionParameters {
  readonly type: 'offer' | 'answer' | 'pranswer';
  readonly sessionId: string;
  readonly sessionVersion: number;
  readonly ufrag: string;
  readonly pwd: string;
  readonly fingerprints: readonly { readonly algorithm: string; readonly value: string }[];
  readonly setup: 'actpass' | 'active' | 'passive';
  /** The data section's mid; null for an offer without data channels. */
  readonly dataMid: string | null;
  /** In an answer: the remote offer's sections, mirrored (rejected unless data). */
  readonly media: readonly RemoteMediaSection[];
  readonly candidates: readonly string[];
  readonly endOfCandidates: boolean;
  readonly maxMessageSize: number;
  readonly sctpPort: number;
}

/** Writes a local description (JSEP §5.2.1 initial offers, §5.3.1 initial answers). */
export function writeDescription(p: LocalDescriptionParameters): string {
  const lines = ['v=0', `o=- ${p.sessionId} ${p.sessionVersion} IN IP4 127.0.0.1`, 's=-', 't=0 0'];
  const dataSection = (mid: string): string[] => [
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    ...p.candidates.map((c) => `a=${c}`),
    ...(p.endOfCandidates ? ['a=end-of-candidates'] : []),
    `a=ice-ufrag:${p.ufrag}`,
    `a=ice-pwd:${p.pwd}`,
    'a=ice-options:trickle',
    ...p.fingerprints.map((f) => `a=fingerprint:${f.algorithm} ${f.value}`),
    `a=setup:${p.setup}`,
    `a=mid:${mid}`,
    `a=sctp-port:${p.sctpPort}`,
    `a=max-message-size:${p.maxMessageSize}`,
  ];
  const sections: string[][] = [];
  const bundled: string[] = [];
  if (p.type === 'offer') {
    if (p.dataMid !== null) {
      sections.push(dataSection(p.dataMid));
      bundled.push(p.dataMid);
    }
  } else {
    for (const m of p.media) {
      if (m.data && p.dataMid !== null) {
        sections.push(dataSection(p.dataMid));
        bundled.push(p.dataMid);
      } else {
        // JSEP §5.3.1: an m-line we do not take is rejected with port 0, mid kept.
        sections.push([
          `m=${m.kind} 0 ${m.protocol} ${m.formats.join(' ')}`,
          'c=IN IP4 0.0.0.0',
          ...(m.mid !== undefined ? [`a=mid:${m.mid}`] : []),
        ]);
      }
    }
  }
  if (bundled.length > 0) lines.push(`a=group:BUNDLE ${bundled.join(' ')}`);
  lines.push('a=msid-semantic: WMS');
  for (const s of sections) lines.push(...s);
  return `${lines.join('\r\n')}\r\n`;
}
