/**
 * The typed model of a session description (RFC 8866), with the attributes a data channel
 * session uses (RFC 8839 ICE, RFC 8842 DTLS, RFC 8841 SCTP, RFC 8843 BUNDLE, RFC 8840 trickle)
 * as fields. Everything else is kept, in order, as raw lines and re-serialized.
 */

/** A line this model has no field for: its type letter and value (`b=AS:30` → `b`, `AS:30`). */
export interface SdpLine {
  readonly type: string;
  readonly value: string;
}

/** An attribute this model has no field for (`a=rtcp-mux` → `rtcp-mux`, no value). */
export interface SdpAttribute {
  readonly name: string;
  /** The text after the first `:`, or undefined for a property attribute. */
  readonly value: string | undefined;
}

/** `o=` (RFC 8866 §5.2). Ids are kept as text: they can exceed 2^53. */
export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** `c=` (RFC 8866 §5.7). */
export interface SdpConnection {
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** `a=fingerprint` (RFC 8122 §5): hash function in lower case, hex pairs in upper case. */
export interface SdpFingerprint {
  readonly algorithm: string;
  readonly value: string;
}

/** `a=setup` (RFC 4145 §4, RFC 8842). */
export type SdpSetup = 'actpass' | 'active' | 'passive' | 'holdconn';

/** The media direction attributes (RFC 8866 §6.7). */
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** `a=group` (RFC 5888 §5), e.g. BUNDLE (RFC 8843). */
export interface SdpGroup {
  readonly semantics: string;
  readonly mids: readonly string[];
}

/** `a=sctpmap` of the legacy `DTLS/SCTP` format (draft-ietf-mmusic-sctp-sdp-05). */
export interface SdpSctpMap {
  readonly port: number;
  readonly protocol: string;
  readonly streams: number | undefined;
}

/** Attributes that may appear at session level and in a media section. */
export interface SdpTransportAttributes {
  /** `a=ice-ufrag` (RFC 8839 §5.4). */
  readonly iceUfrag?: string | undefined;
  /** `a=ice-pwd` (RFC 8839 §5.4). */
  readonly icePwd?: string | undefined;
  /** `a=ice-options` tokens, e.g. `trickle`, `ice2` (RFC 8839 §5.6). */
  readonly iceOptions?: readonly string[] | undefined;
  /** `a=ice-lite` (RFC 8839 §5.3); normally session level. */
  readonly iceLite?: boolean | undefined;
  /** `a=fingerprint`, any number (RFC 8122 §5). */
  readonly fingerprints?: readonly SdpFingerprint[] | undefined;
  /** `a=setup` (RFC 8842 §5). */
  readonly setup?: SdpSetup | undefined;
  /** `a=end-of-candidates` (RFC 8840 §8.2). */
  readonly endOfCandidates?: boolean | undefined;
}

/** An `m=` section (RFC 8866 §5.14) with what follows it. */
export interface SdpMediaSection extends SdpTransportAttributes {
  /** `audio`, `video`, `application`, ... */
  readonly kind: string;
  /** 0 rejects the section, or marks it bundle-only (RFC 8843 §6). */
  readonly port: number;
  /** The `/<n>` after the port, when present. */
  readonly numberOfPorts?: number | undefined;
  /** `UDP/DTLS/SCTP`, legacy `DTLS/SCTP`, `UDP/TLS/RTP/SAVPF`, ... */
  readonly protocol: string;
  /** The format list: `webrtc-datachannel`, `5000`, payload types. */
  readonly formats: readonly string[];
  readonly connection?: SdpConnection | undefined;
  /** `a=mid` (RFC 5888 §4). */
  readonly mid?: string | undefined;
  /** `a=sendrecv` and friends. */
  readonly direction?: SdpDirection | undefined;
  /** `a=bundle-only` (RFC 8843 §6). */
  readonly bundleOnly?: boolean | undefined;
  /** `a=sctp-port` (RFC 8841 §5). */
  readonly sctpPort?: number | undefined;
  /** `a=max-message-size` (RFC 8841 §6); 0 means no limit. */
  readonly maxMessageSize?: number | undefined;
  /** `a=sctpmap` of legacy offers. */
  readonly sctpMap?: SdpSctpMap | undefined;
  /**
   * `a=candidate` values as `candidate:...` strings (the W3C `RTCIceCandidate.candidate`
   * form), in order. Parsing them belongs to `@x/ice`.
   */
  readonly candidates: readonly string[];
  /** `i=`, `b=`, `k=` lines, in order. */
  readonly otherLines: readonly SdpLine[];
  /** Attributes without a field, in order. */
  readonly attributes: readonly SdpAttribute[];
}

/** A whole session description. */
export interface SessionDescription extends SdpTransportAttributes {
  /** `v=`, always 0 (RFC 8866 §5.1). */
  readonly version: number;
  readonly origin: SdpOrigin;
  /** `s=`; `-` when there is none. */
  readonly sessionName: string;
  /** `t=` start and stop, as text. */
  readonly timing: { readonly start: string; readonly stop: string };
  readonly connection?: SdpConnection | undefined;
  /** `a=group` lines (BUNDLE, ...). */
  readonly groups: readonly SdpGroup[];
  /** `a=extmap-allow-mixed` (RFC 8285 §6). */
  readonly extmapAllowMixed?: boolean | undefined;
  /** `i=`, `u=`, `e=`, `p=`, `b=`, `r=`, `z=`, `k=` and extra `t=` lines, in order. */
  readonly otherLines: readonly SdpLine[];
  /** Session attributes without a field (`msid-semantic`, ...), in order. */
  readonly attributes: readonly SdpAttribute[];
  readonly media: readonly SdpMediaSection[];
}
